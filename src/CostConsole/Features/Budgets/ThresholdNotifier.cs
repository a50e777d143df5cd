using System.Net;
using CostConsole.Data;
using CostConsole.Features.Mail;
using CostConsole.Features.Spend;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace CostConsole.Features.Budgets;

/// <summary>
/// Tells a team's managers by email when the team's spend reaches a threshold of its budget: once per crossing (the
/// crossing is marked when the mail is accepted), again later only after a temporary failure, never after a permanent one.
/// </summary>
public sealed class ThresholdNotifier(IDbContextFactory<CostConsoleDbContext> dbFactory, MailSender mail, TimeProvider time, ILogger<ThresholdNotifier> logger)
{
    /// <summary>How long a claimed mail waits for its sender (a replica that died mid-send) before another takes it.</summary>
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromMinutes(10);

    public async Task<int> NotifyPendingAsync(string? baseUrl = null, CancellationToken cancellationToken = default)
    {
        if (!mail.Configured)
        {
            return 0;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pending = await db.BudgetCrossings.Where(c => c.NotifiedUtc == null && c.NotifyError == null).ToListAsync(cancellationToken);
        var sent = 0;
        foreach (var crossing in pending.OrderBy(c => c.CrossedUtc))
        {
            // Claimed before the mail goes: of several replicas looking at the same crossing, one update matches.
            var now = time.GetUtcNow();
            var stale = now - ClaimLifetime;
            var claimed = await db.BudgetCrossings
                .Where(c => c.Id == crossing.Id && c.NotifiedUtc == null && c.NotifyError == null && (c.NotifyClaimedUtc == null || c.NotifyClaimedUtc < stale))
                .ExecuteUpdateAsync(c => c.SetProperty(x => x.NotifyClaimedUtc, now), cancellationToken);
            if (claimed == 0)
            {
                db.Entry(crossing).State = EntityState.Detached;
                continue;
            }

            crossing.NotifyClaimedUtc = now;

            var team = await db.Teams.AsNoTracking().Include(t => t.Managers).SingleAsync(t => t.Id == crossing.TeamId, cancellationToken);
            var recipients = team.Managers.Where(m => !string.IsNullOrEmpty(m.Email)).Select(m => MailboxAddress.Parse(m.Email!)).ToList();
            if (recipients.Count == 0)
            {
                crossing.NotifyError = $"{team.Name} has no manager to tell.";
                continue;
            }

            var result = await mail.SendAsync(Compose(team.Name, crossing, recipients, baseUrl), cancellationToken);
            switch (result.Outcome)
            {
                case MailOutcome.Sent:
                    crossing.NotifiedUtc = time.GetUtcNow();
                    sent++;
                    break;
                case MailOutcome.Permanent:
                    crossing.NotifyError = result.Reply;
                    break;
                default:
                    // Free for the next attempt, here or on another replica.
                    crossing.NotifyClaimedUtc = null;
                    logger.LogWarning("Threshold mail for {Team} will be tried again: {Reply}", team.Name, result.Reply);
                    break;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return sent;
    }

    public MimeMessage Compose(string team, BudgetCrossing crossing, IReadOnlyList<MailboxAddress> to, string? baseUrl)
    {
        var month = Budget.MonthStart(crossing.Month).ToString("MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);
        var message = new MimeMessage();
        message.From.Add(mail.From);
        message.To.AddRange(to);
        message.Subject = $"[CostConsole] {team} reached {crossing.Threshold}% of its {month} budget";
        var link = baseUrl is null ? "" : $"{baseUrl.TrimEnd('/')}/budgets?team={Uri.EscapeDataString(team)}";
        var text = $"{team}'s spend reached {crossing.Threshold}% of its {SpendFormat.Money(crossing.BudgetUsd, crossing.Currency)} budget for {month} "
            + $"by {crossing.CrossedUtc.UtcDateTime:yyyy-MM-dd HH:mm} UTC; when this was checked it stood at {SpendFormat.Money(crossing.SpendUsd, crossing.Currency)}.";
        var body = new BodyBuilder
        {
            TextBody = text + (link.Length > 0 ? $"\n\nBurn projection: {link}\n" : "\n"),
            HtmlBody = $"<p style=\"font-family:Arial,sans-serif\">{WebUtility.HtmlEncode(text)}</p>"
                + (link.Length > 0 ? $"<p style=\"font-family:Arial,sans-serif\"><a href=\"{WebUtility.HtmlEncode(link)}\">Open the burn projection</a></p>" : ""),
        };
        message.Body = body.ToMessageBody();
        return message;
    }
}
