using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Mail;
using CostConsole.Features.Spend;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace CostConsole.Features.Digests;

/// <summary>What became of one request to send a digest.</summary>
public sealed record DeliveryOutcome(DigestDelivery? Delivery, string Message)
{
    public bool Sent => Delivery?.Status == DeliveryStatus.Sent;
}

/// <summary>
/// Sends digests at most once: the delivery record (subscription, local date) is inserted before the mail goes out,
/// and only the run that inserted it sends. A 4xx or an unreachable server schedules another attempt after a growing
/// delay; a 5xx (or the last attempt) is recorded as failed and not tried again.
/// </summary>
public sealed class DigestDeliveries(
    IDbContextFactory<CostConsoleDbContext> dbFactory,
    DigestComposer composer,
    DigestSubscriptions subscriptions,
    CostConsole.Features.Identity.UserCurrency currencies,
    MailSender mail,
    IBackgroundJobClient jobs,
    IOptions<DigestOptions> options,
    TimeProvider time,
    ILogger<DigestDeliveries> logger)
{
    /// <summary>The day's digest for a subscription: the latest one due unless <paramref name="date"/> names it.</summary>
    public async Task<DeliveryOutcome> RunScheduledAsync(int subscriptionId, DateOnly? date, string trigger, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var subscription = await db.DigestSubscriptions.AsNoTracking().Include(s => s.User).SingleOrDefaultAsync(s => s.Id == subscriptionId, cancellationToken);
        if (subscription is null)
        {
            logger.LogInformation("Digest subscription {Subscription} no longer exists; nothing sent", subscriptionId);
            return new DeliveryOutcome(null, $"Subscription {subscriptionId} does not exist.");
        }

        if (subscription.Paused)
        {
            return new DeliveryOutcome(null, "The subscription is paused.");
        }

        var zone = SpendPeriods.FindZone(subscription.TimeZone) ?? TimeZoneInfo.Utc;
        var now = time.GetUtcNow();
        var day = date ?? DigestSchedule.LatestDue(subscription.SendAt, subscription.Days, zone, now) ?? SpendPeriods.LocalToday(now, zone);
        var delivery = new DigestDelivery
        {
            SubscriptionId = subscription.Id, LocalDate = DigestSchedule.DateText(day), Kind = DeliveryKind.Scheduled, Status = DeliveryStatus.Sending,
            Recipient = subscription.User?.Email ?? "", Attempts = 1, CreatedUtc = now, LastAttemptUtc = now, Trigger = trigger,
        };
        db.DigestDeliveries.Add(delivery);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another run (a second trigger, the catch-up, a persistent storage's own misfire) claimed this digest first.
            logger.LogInformation("Digest {Subscription} for {Date} is already handled; not sent again", subscriptionId, delivery.LocalDate);
            return new DeliveryOutcome(null, $"The digest for {delivery.LocalDate} was already sent or is being sent.");
        }

        return await AttemptAsync(db, delivery, subscription, day, zone, cancellationToken);
    }

    /// <summary>Another attempt at a digest whose last one met a temporary failure; only the run that moves it out of Retrying sends.</summary>
    public async Task<DeliveryOutcome> RetryAsync(long deliveryId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var claimed = await db.DigestDeliveries
            .Where(d => d.Id == deliveryId && d.Status == DeliveryStatus.Retrying)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Sending).SetProperty(d => d.Attempts, d => d.Attempts + 1).SetProperty(d => d.LastAttemptUtc, now), cancellationToken);
        if (claimed == 0)
        {
            return new DeliveryOutcome(null, $"Delivery {deliveryId} is not waiting for a retry.");
        }

        var delivery = await db.DigestDeliveries.SingleAsync(d => d.Id == deliveryId, cancellationToken);
        var subscription = await db.DigestSubscriptions.AsNoTracking().Include(s => s.User).SingleOrDefaultAsync(s => s.Id == delivery.SubscriptionId, cancellationToken);
        if (subscription is null)
        {
            return new DeliveryOutcome(null, "The subscription no longer exists.");
        }

        var zone = SpendPeriods.FindZone(subscription.TimeZone) ?? TimeZoneInfo.Utc;
        return await AttemptAsync(db, delivery, subscription, DigestSchedule.ParseDate(delivery.LocalDate)!.Value, zone, cancellationToken);
    }

    /// <summary>"Send me a test now": the digest of a date to the person who asked, once, recorded in the delivery log.</summary>
    public async Task<DeliveryOutcome> SendTestAsync(int subscriptionId, DateOnly date, string recipient, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var subscription = await db.DigestSubscriptions.AsNoTracking().Include(s => s.User).SingleAsync(s => s.Id == subscriptionId, cancellationToken);
        var now = time.GetUtcNow();
        var delivery = new DigestDelivery
        {
            SubscriptionId = subscriptionId, LocalDate = DigestSchedule.DateText(date), Kind = DeliveryKind.Test, Status = DeliveryStatus.Sending,
            Recipient = recipient, Attempts = 1, CreatedUtc = now, LastAttemptUtc = now, Trigger = "test",
        };
        db.DigestDeliveries.Add(delivery);
        await db.SaveChangesAsync(cancellationToken);
        var zone = SpendPeriods.FindZone(subscription.TimeZone) ?? TimeZoneInfo.Utc;
        return await AttemptAsync(db, delivery, subscription, date, zone, cancellationToken);
    }

    /// <summary>Composes and sends one claimed delivery and records what the server said.</summary>
    private async Task<DeliveryOutcome> AttemptAsync(CostConsoleDbContext db, DigestDelivery delivery, DigestSubscription subscription, DateOnly date, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        MailResult result;
        var scopes = await subscriptions.ScopesForAsync(subscription.UserId, cancellationToken);
        var enabled = await db.Users.Where(u => u.Id == subscription.UserId).Select(u => (bool?)u.Enabled).SingleOrDefaultAsync(cancellationToken);
        if (enabled is not true)
        {
            // A disabled user receives nothing; the subscription stays, for when they are enabled again.
            result = new MailResult(MailOutcome.Permanent, $"{delivery.Recipient} is disabled: no digest is sent.");
        }
        else if (!MailboxAddress.TryParse(delivery.Recipient, out var to) || delivery.Recipient.Length == 0)
        {
            result = new MailResult(MailOutcome.Permanent, $"The user has no usable email address ('{delivery.Recipient}').");
        }
        else if (subscription.TeamId is { } team ? !scopes.Teams.ContainsKey(team) : !scopes.MayOrg)
        {
            // Teams and roles change: a digest goes only to someone who may still read it.
            result = new MailResult(MailOutcome.Permanent, subscription.TeamId is null
                ? $"{delivery.Recipient} is no longer in Finance or Admin: the org-wide digest is not sent."
                : $"{delivery.Recipient} no longer manages this team: its digest is not sent.");
        }
        else
        {
            try
            {
                var currency = await currencies.OfUserIdAsync(subscription.UserId, cancellationToken);
                var digest = await composer.ComposeAsync(subscription.TeamId, date, zone, cancellationToken, currency);
                result = await mail.SendAsync(Message(digest, to, delivery), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Digest {Subscription} for {Date} could not be composed", subscription.Id, delivery.LocalDate);
                result = new MailResult(MailOutcome.Temporary, $"The digest could not be composed: {ex.Message}");
            }
        }

        var now = time.GetUtcNow();
        var delays = options.Value.RetryDelays;
        delivery.History += $"{now.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC attempt {delivery.Attempts}: {result.Reply}\n";
        delivery.Reply = result.Reply;
        delivery.LastAttemptUtc = now;
        delivery.NextAttemptUtc = null;
        string message;
        switch (result.Outcome)
        {
            case MailOutcome.Sent:
                delivery.Status = DeliveryStatus.Sent;
                delivery.SentUtc = now;
                message = $"Sent to {delivery.Recipient}.";
                break;
            case MailOutcome.Temporary when delivery.Kind == DeliveryKind.Scheduled && delivery.Attempts <= delays.Count:
                var delay = delays[delivery.Attempts - 1];
                delivery.Status = DeliveryStatus.Retrying;
                delivery.NextAttemptUtc = now + delay;
                message = $"Not sent yet ({result.Reply}); trying again at {delivery.NextAttemptUtc:yyyy-MM-dd HH:mm:ss} UTC.";
                break;
            case MailOutcome.Temporary when delivery.Kind == DeliveryKind.Scheduled:
                delivery.Status = DeliveryStatus.Failed;
                message = $"Gave up after {delivery.Attempts} attempts: {result.Reply}";
                break;
            default:
                delivery.Status = DeliveryStatus.Failed;
                message = result.Reply;
                break;
        }

        await db.SaveChangesAsync(CancellationToken.None);
        if (delivery.Status == DeliveryStatus.Retrying)
        {
            jobs.Schedule<DigestJobs>(j => j.RetryAsync(delivery.Id), delivery.NextAttemptUtc!.Value - now);
        }

        logger.LogInformation("Digest {Subscription} for {Date} ({Kind}, attempt {Attempt}): {Status} {Reply}",
            subscription.Id, delivery.LocalDate, delivery.Kind, delivery.Attempts, delivery.Status, result.Reply);
        return new DeliveryOutcome(delivery, message);
    }

    public MimeMessage Message(DigestContent digest, MailboxAddress to, DigestDelivery delivery)
    {
        var message = new MimeMessage();
        message.From.Add(mail.From);
        message.To.Add(to);
        message.Subject = (delivery.Kind == DeliveryKind.Test ? "[Test] " : "") + DigestRenderer.Subject(digest);
        // One id per digest, so a mail system that sees it twice can tell it is the same message.
        message.MessageId = delivery.Kind == DeliveryKind.Scheduled
            ? $"digest-{delivery.SubscriptionId}-{delivery.LocalDate}@costconsole"
            : $"digest-test-{delivery.Id}@costconsole";
        message.Headers.Add("X-CostConsole-Digest", string.Create(CultureInfo.InvariantCulture, $"{delivery.SubscriptionId}/{delivery.LocalDate}"));
        message.Body = new BodyBuilder { TextBody = DigestRenderer.Text(digest), HtmlBody = DigestRenderer.Html(digest) }.ToMessageBody();
        return message;
    }

    /// <summary>
    /// At start: deliveries left Sending by a stopped app are marked interrupted (never re-sent), retries whose time
    /// has come are queued again, and each subscription's latest missed digest is sent once (not one per missed day).
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        await db.DigestDeliveries.Where(d => d.Status == DeliveryStatus.Sending)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Interrupted)
                .SetProperty(d => d.Reply, "The app stopped while this digest was being sent; it may or may not have arrived and is not sent twice."), cancellationToken);
        foreach (var retry in await db.DigestDeliveries.AsNoTracking().Where(d => d.Status == DeliveryStatus.Retrying).Select(d => new { d.Id, d.NextAttemptUtc }).ToListAsync(cancellationToken))
        {
            var wait = retry.NextAttemptUtc is { } next && next > now ? next - now : TimeSpan.Zero;
            jobs.Schedule<DigestJobs>(j => j.RetryAsync(retry.Id), wait);
        }

        // The digests of the last eight days already claimed, read once: a catch-up is only ever for the latest due date.
        var since = DigestSchedule.DateText(DateOnly.FromDateTime(now.UtcDateTime).AddDays(-9));
        var claimed = (await db.DigestDeliveries.AsNoTracking()
                .Where(d => d.Kind == DeliveryKind.Scheduled && string.Compare(d.LocalDate, since) >= 0)
                .Select(d => new { d.SubscriptionId, d.LocalDate }).ToListAsync(cancellationToken))
            .Select(d => (d.SubscriptionId, d.LocalDate)).ToHashSet();
        var caughtUp = 0;
        foreach (var subscription in await db.DigestSubscriptions.AsNoTracking().Where(s => !s.Paused).ToListAsync(cancellationToken))
        {
            var zone = SpendPeriods.FindZone(subscription.TimeZone) ?? TimeZoneInfo.Utc;
            if (DigestSchedule.LatestDue(subscription.SendAt, subscription.Days, zone, now) is not { } latest
                || DigestSchedule.DueAt(subscription.SendAt, latest, zone) < subscription.CreatedUtc
                || claimed.Contains((subscription.Id, DigestSchedule.DateText(latest))))
            {
                continue;
            }

            logger.LogInformation("Digest {Subscription} for {Date} was missed while the app was down; sending it once", subscription.Id, DigestSchedule.DateText(latest));
            var outcome = await RunScheduledAsync(subscription.Id, latest, "catch-up after downtime", cancellationToken);
            if (outcome.Delivery is not null) caughtUp++;
        }

        return caughtUp;
    }

    public async Task<IReadOnlyList<DigestDelivery>> LogAsync(int subscriptionId, int take = 100, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.DigestDeliveries.AsNoTracking().Where(d => d.SubscriptionId == subscriptionId)
            .OrderByDescending(d => d.Id).Take(Math.Clamp(take, 1, 1000)).ToListAsync(cancellationToken);
    }
}

/// <summary>The methods Hangfire runs. Failures are handled (and retried) by the deliveries, not by Hangfire's own retries.</summary>
public sealed class DigestJobs(DigestDeliveries deliveries)
{
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(int subscriptionId) => deliveries.RunScheduledAsync(subscriptionId, null, "schedule");

    [AutomaticRetry(Attempts = 0)]
    public Task RetryAsync(long deliveryId) => deliveries.RetryAsync(deliveryId);
}
