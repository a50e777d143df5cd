using System.Globalization;
using CostConsole.Features.Spend;

namespace CostConsole.Features.Budgets;

public enum BudgetStatus
{
    /// <summary>No budget is set for the month: spend is shown, nothing is judged.</summary>
    NoBudget,
    OnTrack,
    AtRisk,
    Over,
}

/// <summary>What the projection reads: spend so far and over trailing windows, at one instant, for one calendar month (UTC).</summary>
public sealed record BurnInput(
    DateTimeOffset Now,
    decimal MonthToDateUsd,
    decimal Last24hUsd,
    decimal Last7dUsd,
    decimal LastHourUsd,
    decimal? BudgetUsd,
    /// <summary>How many hours of the trailing windows the data covers (a ledger younger than 7 days covers less).</summary>
    double HoursCovered7d = 168,
    double HoursCovered24h = 24);

/// <summary>The burn of one team (or the org) this month, projected to the month's end.</summary>
public sealed record BurnOutlook(
    DateTimeOffset MonthStart,
    DateTimeOffset MonthEnd,
    decimal MonthToDateUsd,
    decimal RatePerHour24h,
    decimal RatePerHour7d,
    decimal ProjectedMonthEnd24h,
    decimal ProjectedMonthEnd7d,
    decimal ProjectedNext24h,
    decimal? BudgetUsd,
    DateTimeOffset? RunsOutAt,
    BudgetStatus Status,
    string Reason)
{
    public decimal? UsedPercent => BudgetUsd is > 0 ? MonthToDateUsd / BudgetUsd * 100m : null;
}

/// <summary>
/// Month-to-date plus trailing run-rate × time left (DESIGN.md): pure arithmetic over the figures the spend pages
/// already compute, so the pages, the API and the digest agree. Months are calendar months in UTC.
/// </summary>
public static class BurnProjection
{
    public static (DateTimeOffset Start, DateTimeOffset End) MonthOf(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        var start = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return (start, start.AddMonths(1));
    }

    public static BurnOutlook Project(BurnInput input)
    {
        var (start, end) = MonthOf(input.Now);
        var hoursLeft = (decimal)Math.Max(0, (end - input.Now).TotalHours);
        var rate24 = input.HoursCovered24h > 0 ? input.Last24hUsd / (decimal)input.HoursCovered24h : 0m;
        var rate7 = input.HoursCovered7d > 0 ? input.Last7dUsd / (decimal)input.HoursCovered7d : 0m;
        var projected24 = input.MonthToDateUsd + rate24 * hoursLeft;
        var projected7 = input.MonthToDateUsd + rate7 * hoursLeft;
        var next24 = input.LastHourUsd * 24m;

        if (input.BudgetUsd is not { } budget)
        {
            return new BurnOutlook(start, end, input.MonthToDateUsd, rate24, rate7, projected24, projected7, next24, null, null, BudgetStatus.NoBudget,
                "No budget is set for this month.");
        }

        DateTimeOffset? runsOut = null;
        if (input.MonthToDateUsd < budget && rate24 > 0)
        {
            var at = input.Now.AddHours((double)((budget - input.MonthToDateUsd) / rate24));
            runsOut = at < end ? at : null;
        }

        var money = (decimal usd) => SpendFormat.Money(usd);
        var day = (DateTimeOffset t) => t.UtcDateTime.ToString("MMM d HH:00", CultureInfo.InvariantCulture) + " UTC";
        if (input.MonthToDateUsd >= budget)
        {
            return new BurnOutlook(start, end, input.MonthToDateUsd, rate24, rate7, projected24, projected7, next24, budget, null, BudgetStatus.Over,
                $"Spend so far ({money(input.MonthToDateUsd)}) is over the budget of {money(budget)} by {money(input.MonthToDateUsd - budget)}.");
        }

        var worst = Math.Max(projected24, projected7);
        if (worst > budget)
        {
            var which = projected24 >= projected7 ? "last 24 hours'" : "last 7 days'";
            var reason = $"At the {which} rate the month ends at {money(worst)}, over the budget of {money(budget)}";
            reason += runsOut is { } r ? $"; at the last 24 hours' rate the budget runs out {day(r)}." : ".";
            return new BurnOutlook(start, end, input.MonthToDateUsd, rate24, rate7, projected24, projected7, next24, budget, runsOut, BudgetStatus.AtRisk, reason);
        }

        return new BurnOutlook(start, end, input.MonthToDateUsd, rate24, rate7, projected24, projected7, next24, budget, runsOut, BudgetStatus.OnTrack,
            $"At both the last 24 hours' and the last 7 days' rates the month ends at or under {money(worst)}, within the budget of {money(budget)}.");
    }

    /// <summary>The thresholds (percent of the budget) the spend has reached, in ascending order.</summary>
    public static IReadOnlyList<int> Reached(decimal spendUsd, decimal? budgetUsd, IEnumerable<int> thresholds) =>
        budgetUsd is > 0 ? [.. thresholds.Where(t => spendUsd >= budgetUsd.Value * t / 100m).Order()] : [];
}
