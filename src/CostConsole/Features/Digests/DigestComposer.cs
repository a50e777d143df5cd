using CostConsole.Data;
using CostConsole.Features.Budgets;
using CostConsole.Features.Spend;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Digests;

/// <summary>
/// Everything one digest says, computed by the same services the pages use (spend views, the period comparison,
/// the budget outlooks, the alert status), so the mail and the pages agree.
/// </summary>
public sealed record DigestContent(
    string Scope,
    string? Team,
    DateOnly Date,
    TimeZoneInfo Zone,
    Period Yesterday,
    Period WeekBefore,
    /// <summary>No figure of yesterday is known (the ledger does not cover it): not the same as no spend.</summary>
    bool NoData,
    decimal YesterdayUsd,
    decimal WeekBeforeUsd,
    long YesterdayTokens,
    long UnpricedTokens,
    IReadOnlyList<string> UnpricedModels,
    TeamOutlook? Outlook,
    IReadOnlyList<DigestMover> FeaturesBySpend,
    IReadOnlyList<DigestMover> FeaturesByIncrease,
    IReadOnlyList<DigestMover> ModelsBySpend,
    IReadOnlyList<DigestMover> ModelsByIncrease,
    IReadOnlyList<DigestCrossing> Crossings,
    IReadOnlyList<CostAlert> FiringAlerts,
    IReadOnlyList<string> Warnings,
    string? ExplorerUrl,
    string? BudgetUrl)
{
    /// <summary>Why the alert states are not known (Prometheus' rules could not be read), or null: then none firing means none.</summary>
    public string? AlertsUnknown { get; init; }

    /// <summary>The currency of the spend figures (the subscriber's choice; each day at its rate); budgets keep their own.</summary>
    public string Currency { get; init; } = Currencies.Billing;

    /// <summary>The org's last reconciled month against the provider reports (org digests only), or null when no report covers one.</summary>
    public BillSummaryLine? Bill { get; init; }

    /// <summary>The same weekday a week before is not (wholly) in the ledger: there is nothing to compare with.</summary>
    public bool WeekBeforeUnknown { get; init; }

    public DateOnly Day => Date.AddDays(-1);

    /// <summary>The ledger covers yesterday and nothing was used: a short "no spend recorded" digest.</summary>
    public bool NoSpend => !NoData && YesterdayTokens == 0 && UnpricedTokens == 0 && YesterdayUsd == 0;

    public decimal Change => YesterdayUsd - WeekBeforeUsd;
    public decimal? ChangePercent => WeekBeforeUsd != 0 ? Change / WeekBeforeUsd * 100m : null;
}

/// <summary>Gathers a digest's figures for a scope (a team or the org) and a local date; the digest reports the day before.</summary>
public sealed class DigestComposer(
    ISpendViews views,
    PeriodComparison comparison,
    BudgetOutlooks outlooks,
    PrometheusCostAlerts alerts,
    IDbContextFactory<CostConsoleDbContext> dbFactory,
    IOptions<BudgetOptions> budgetOptions,
    IEnumerable<IBillSummaryNote> billNotes)
{
    public const int Top = 3;

    public async Task<DigestContent> ComposeAsync(int? teamId, DateOnly date, TimeZoneInfo zone, CancellationToken cancellationToken = default, string? currency = null)
    {
        var money = currency is { Length: 3 } c && Currencies.IsIso4217(c) ? c : Currencies.Billing;
        string? team = null;
        if (teamId is { } id)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            team = await db.Teams.AsNoTracking().Where(t => t.Id == id).Select(t => t.Name).SingleOrDefaultAsync(cancellationToken)
                ?? throw new InvalidOperationException($"Team {id} does not exist.");
        }

        var day = date.AddDays(-1);
        var cut = SpendPeriods.StartOf(date, zone);
        var yesterday = new Period(SpendPeriods.StartOf(day, zone), cut, day.ToString("dddd, MMMM d", System.Globalization.CultureInfo.InvariantCulture));
        var weekBefore = new Period(SpendPeriods.StartOf(day.AddDays(-7), zone), SpendPeriods.StartOf(day.AddDays(-6), zone), "the same weekday a week before");
        var filters = new SpendRequest(yesterday.From, yesterday.To, [SpendDimension.Feature]) { TimeZone = zone, Currency = money };
        if (team is not null) filters = filters.WithFilter(SpendDimension.Team, [team]);

        var byFeature = comparison.CompareAsync(weekBefore, yesterday, SpendDimension.Feature, filters, cancellationToken);
        var byModel = comparison.CompareAsync(weekBefore, yesterday, SpendDimension.Model, filters, cancellationToken);
        var figures = views.GetAsync(filters, cancellationToken);
        var earlier = views.GetAsync(filters with { From = weekBefore.From, To = weekBefore.To }, cancellationToken);
        var outlook = outlooks.ComputeAsOfAsync(cut, cancellationToken);
        var firing = alerts.ReadAsync(cancellationToken);
        await Task.WhenAll(byFeature, byModel, figures, earlier, outlook, firing);

        var result = await figures;
        if (money != Currencies.Billing && (result.MissingRateDays.Count > 0 || (await earlier).MissingRateDays.Count > 0))
        {
            // A figure missing a day's rate would read lower than it is: the digest says so and stays in the billing currency.
            var days = result.MissingRateDays.Union((await earlier).MissingRateDays).Order().Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            var inUsd = await ComposeAsync(teamId, date, zone, cancellationToken);
            return inUsd with { Warnings = [$"No {money} exchange rate for {string.Join(", ", days)}: this digest is in {Currencies.Billing}.", .. inUsd.Warnings] };
        }

        var monthKey = Budget.MonthKey(cut.AddTicks(-1));
        var crossings = (await outlooks.CrossingsAsync(monthKey, cancellationToken))
            .Where(c => c.Crossing.CrossedUtc <= cut && (team is null || string.Equals(c.Team, team, StringComparison.OrdinalIgnoreCase)))
            .Select(c => new DigestCrossing(c.Team, c.Crossing.Threshold, c.Crossing.CrossedUtc, c.Crossing.BudgetUsd, Currency: c.Crossing.Currency))
            .ToList();
        // Thresholds the month's spend has reached by the cut-off but not recorded yet (the check runs every few minutes).
        foreach (var o in (await outlook).Where(o => o.TeamId is not null && !o.Incomplete && o.Budget?.MonthlyUsd is not null && (team is null || o.TeamId == teamId)))
        {
            foreach (var threshold in BurnProjection.Reached(o.Outlook.MonthToDateUsd, o.Budget!.MonthlyUsd, o.Thresholds)
                .Where(t => !crossings.Any(c => c.Threshold == t && string.Equals(c.Team, o.Name, StringComparison.OrdinalIgnoreCase))))
            {
                crossings.Add(new DigestCrossing(o.Name, threshold, cut, o.Budget.MonthlyUsd!.Value, Recorded: false, Currency: o.Currency));
            }
        }

        crossings = [.. crossings.OrderBy(c => c.Team, StringComparer.OrdinalIgnoreCase).ThenBy(c => c.Threshold)];
        var alertStatus = await firing;
        List<string> warnings = [.. (await byFeature).Warnings];
        // No rules at all reads the same as none firing here; rules that could not be read are unknown, not quiet.
        var alertsUnknown = alertStatus.Problems.FirstOrDefault(p => p.Contains("could not be read", StringComparison.Ordinal));
        if (result.Incomplete) warnings.Add("Part of yesterday could not be read: its figures are a floor.");

        var teamOutlook = (await outlook).FirstOrDefault(o => o.TeamId == teamId);
        var baseUrl = budgetOptions.Value.PublicUrl?.TrimEnd('/');
        string? explorer = null;
        string? budget = null;
        if (!string.IsNullOrEmpty(baseUrl))
        {
            var state = ExplorerState.Default(zone.Id) with { Range = SpendPeriods.Custom, From = day, To = day };
            if (team is not null) state = state.WithFilter(SpendDimension.Team, [team]);
            explorer = baseUrl + "/explore" + state.ToQuery();
            budget = baseUrl + "/budgets" + (team is null ? "" : "?team=" + Uri.EscapeDataString(team));
        }

        var features = await byFeature;
        var models = await byModel;
        return new DigestContent(
            team ?? "All teams (org)", team, date, zone, yesterday, weekBefore, result.NoData,
            money == Currencies.Billing ? result.Totals.CostUsd : result.Totals.Converted, features.Total.Before, result.Totals.BillableTokens, result.Totals.UnpricedTokens, result.UnpricedModels,
            teamOutlook, DigestMovers.BySpend(features, Top), DigestMovers.ByIncrease(features, Top), DigestMovers.BySpend(models, Top), DigestMovers.ByIncrease(models, Top),
            crossings, [.. alertStatus.Alerts.Where(a => a.State == "firing")], warnings, explorer, budget)
        {
            WeekBeforeUnknown = (await earlier) is { } before && (before.NoData || before.StartsBeforeLedger),
            AlertsUnknown = alertsUnknown,
            Bill = team is null ? await BillAsync(baseUrl, cancellationToken) : null,
            Currency = money,
        };
    }

    private async Task<BillSummaryLine?> BillAsync(string? baseUrl, CancellationToken cancellationToken)
    {
        foreach (var note in billNotes)
        {
            if (await note.LatestAsync(cancellationToken) is { } line)
            {
                return line with { Link = string.IsNullOrEmpty(baseUrl) ? "" : baseUrl + line.Link };
            }
        }

        return null;
    }
}
