using System.Security.Claims;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Spend;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Digests;

/// <summary>A subscription as the pages and the API show it, with its next run and last delivery.</summary>
public sealed record SubscriptionView(
    int Id, string UserId, string UserEmail, int? TeamId, string Scope, TimeOnly SendAt, string TimeZone, DigestDays Days, bool Paused,
    DateTimeOffset CreatedUtc, DateOnly? NextDate, DateTimeOffset? NextDueUtc, DigestDelivery? Last)
{
    public string ScopeKey => TeamId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? SubscriptionDraft.OrgScope;
}

/// <summary>What a user may subscribe to: teams (id → name) and whether the org-wide digest.</summary>
public sealed record SubscriptionScopes(IReadOnlyDictionary<int, string> Teams, bool MayOrg)
{
    public bool Any => MayOrg || Teams.Count > 0;
}

public sealed record SubscriptionChange(bool Saved, IReadOnlyList<string> Errors, bool Forbidden = false, int? Id = null, bool NotFound = false);

/// <summary>
/// Digest subscriptions: Managers for the teams they manage, Finance for the org, Admins for anything and anyone's.
/// Every change re-registers the subscription's recurring job at once.
/// </summary>
public sealed class DigestSubscriptions(IDbContextFactory<CostConsoleDbContext> dbFactory, DigestScheduler scheduler, TimeProvider time)
{
    public static string? UserId(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);

    /// <summary>The scopes a user may receive, from the roles and teams stored for them.</summary>
    public async Task<SubscriptionScopes> ScopesForAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == userId select r.Name).ToListAsync(cancellationToken);
        var admin = roles.Contains(Roles.Admin);
        var teams = await db.Teams.AsNoTracking()
            .Where(t => admin || (roles.Contains(Roles.Manager) && t.Managers.Any(m => m.Id == userId)))
            .OrderBy(t => t.Name).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        return new SubscriptionScopes(teams, admin || roles.Contains(Roles.Finance));
    }

    public async Task<IReadOnlyList<SubscriptionView>> ListAsync(ClaimsPrincipal user, CancellationToken cancellationToken = default)
    {
        var all = user.IsInRole(Roles.Admin);
        var id = UserId(user);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.DigestSubscriptions.AsNoTracking().Include(s => s.User)
            .Where(s => all || s.UserId == id).OrderBy(s => s.Id).ToListAsync(cancellationToken);
        return await ViewsAsync(db, rows, cancellationToken);
    }

    /// <summary>One subscription, when the user may see it (its owner or an Admin).</summary>
    public async Task<SubscriptionView?> GetAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.DigestSubscriptions.AsNoTracking().Include(s => s.User).SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (row is null || !(user.IsInRole(Roles.Admin) || row.UserId == UserId(user)))
        {
            return null;
        }

        return (await ViewsAsync(db, [row], cancellationToken))[0];
    }

    private async Task<IReadOnlyList<SubscriptionView>> ViewsAsync(CostConsoleDbContext db, List<DigestSubscription> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Select(r => r.Id).ToList();
        var teams = await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        var last = (await db.DigestDeliveries.AsNoTracking().Where(d => ids.Contains(d.SubscriptionId)).GroupBy(d => d.SubscriptionId)
                .Select(g => g.OrderByDescending(d => d.Id).First()).ToListAsync(cancellationToken))
            .ToDictionary(d => d.SubscriptionId);
        var now = time.GetUtcNow();
        return
        [
            .. rows.Select(s =>
            {
                var zone = SpendPeriods.FindZone(s.TimeZone) ?? TimeZoneInfo.Utc;
                (DateOnly Date, DateTimeOffset At)? next = s.Paused ? null : DigestSchedule.NextDue(s.SendAt, s.Days, zone, now);
                return new SubscriptionView(s.Id, s.UserId, s.User?.Email ?? s.User?.UserName ?? "", s.TeamId,
                    s.TeamId is { } t ? teams.GetValueOrDefault(t, $"team {t}") : "All teams (org)", s.SendAt, s.TimeZone, s.Days, s.Paused, s.CreatedUtc,
                    next?.Date, next?.At, last.GetValueOrDefault(s.Id));
            }),
        ];
    }

    /// <summary>Subscribes a user (the acting one, or anyone when an Admin acts); nothing is stored unless every check passes.</summary>
    public async Task<SubscriptionChange> CreateAsync(ClaimsPrincipal actor, SubscriptionDraft draft, string? forUserEmail = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        string? userId;
        if (!string.IsNullOrWhiteSpace(forUserEmail) && !string.Equals(forUserEmail, actor.Identity?.Name, StringComparison.OrdinalIgnoreCase))
        {
            if (!actor.IsInRole(Roles.Admin))
            {
                return new SubscriptionChange(false, ["Only an Admin can subscribe someone else."], Forbidden: true);
            }

            var normalized = forUserEmail.Trim().ToUpperInvariant();
            userId = await db.Users.Where(u => u.NormalizedEmail == normalized || u.NormalizedUserName == normalized).Select(u => u.Id).SingleOrDefaultAsync(cancellationToken);
            if (userId is null)
            {
                return new SubscriptionChange(false, [$"No user has the address '{Echo.Printable(forUserEmail)}'."]);
            }
        }
        else
        {
            userId = UserId(actor);
            if (userId is null)
            {
                return new SubscriptionChange(false, ["An API token is not a person: name the user to subscribe ('user')."]);
            }
        }

        var scopes = await ScopesForAsync(userId, cancellationToken);
        var (choice, errors) = SubscriptionValidation.Check(draft, scopes.Teams, scopes.MayOrg);
        if (choice is null)
        {
            return new SubscriptionChange(false, errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.DigestSubscriptions.AnyAsync(s => s.UserId == userId && s.TeamId == choice.TeamId, cancellationToken))
        {
            var scope = choice.TeamId is { } t ? scopes.Teams[t] : "the org";
            return new SubscriptionChange(false, [$"There is already a digest of {scope} for this user; change that one instead."]);
        }

        var now = time.GetUtcNow();
        var subscription = new DigestSubscription
        {
            UserId = userId, TeamId = choice.TeamId, SendAt = choice.SendAt, TimeZone = choice.TimeZone, Days = choice.Days, CreatedUtc = now, UpdatedUtc = now,
        };
        db.DigestSubscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        scheduler.Register(subscription);
        return new SubscriptionChange(true, [], Id: subscription.Id);
    }

    /// <summary>Changes the time, zone, days or pause of a subscription (its owner or an Admin); the scope stays.</summary>
    public async Task<SubscriptionChange> UpdateAsync(ClaimsPrincipal actor, int id, SubscriptionDraft draft, bool paused, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var subscription = await db.DigestSubscriptions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscription is null)
        {
            return new SubscriptionChange(false, [$"Subscription {id} does not exist."], NotFound: true);
        }

        if (!actor.IsInRole(Roles.Admin) && subscription.UserId != UserId(actor))
        {
            return new SubscriptionChange(false, ["Only the subscriber or an Admin can change this digest."], Forbidden: true);
        }

        var scopes = await ScopesForAsync(subscription.UserId, cancellationToken);
        var scope = subscription.TeamId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? SubscriptionDraft.OrgScope;
        var (choice, errors) = SubscriptionValidation.Check(draft with { Scope = scope }, scopes.Teams, scopes.MayOrg);
        if (choice is null)
        {
            return new SubscriptionChange(false, errors);
        }

        (subscription.SendAt, subscription.TimeZone, subscription.Days, subscription.Paused, subscription.UpdatedUtc) =
            (choice.SendAt, choice.TimeZone, choice.Days, paused, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        scheduler.Register(subscription);
        return new SubscriptionChange(true, [], Id: id);
    }

    public async Task<SubscriptionChange> DeleteAsync(ClaimsPrincipal actor, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var subscription = await db.DigestSubscriptions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscription is null)
        {
            return new SubscriptionChange(false, [$"Subscription {id} does not exist."], NotFound: true);
        }

        if (!actor.IsInRole(Roles.Admin) && subscription.UserId != UserId(actor))
        {
            return new SubscriptionChange(false, ["Only the subscriber or an Admin can remove this digest."], Forbidden: true);
        }

        db.DigestSubscriptions.Remove(subscription);
        await db.SaveChangesAsync(cancellationToken);
        scheduler.Remove(id);
        return new SubscriptionChange(true, [], Id: id);
    }

    /// <summary>The local date of a preview: today in the subscription's zone by default; none before 2015 or after tomorrow.</summary>
    public static (DateOnly? Date, string? Problem) PreviewDate(string? text, SubscriptionView subscription, DateTimeOffset now)
    {
        var today = SpendPeriods.LocalToday(now, SpendPeriods.FindZone(subscription.TimeZone) ?? TimeZoneInfo.Utc);
        if (string.IsNullOrWhiteSpace(text)) return (today, null);
        if (DigestSchedule.ParseDate(text) is not { } date)
        {
            return (null, $"'{Echo.Printable(text)}' is not a date such as {DigestSchedule.DateText(today)}.");
        }

        if (date.Year < 2015 || date > today.AddDays(1))
        {
            return (null, $"{DigestSchedule.DateText(date)} is out of range: a digest can be shown for dates from 2015 to tomorrow ({DigestSchedule.DateText(today.AddDays(1))}).");
        }

        return (date, null);
    }
}
