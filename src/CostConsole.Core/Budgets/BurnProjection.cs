using System.Globalization;
using CostConsole.Core.Spend;

namespace CostConsole.Core.Budgets;

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
/// Month-to-date plus trailing run-rate × time left (README, Budgets and alerts): pure arithmetic over the figures the spend pages
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

/// <summary>The burn chart of one team: cumulative spend per day so far, the budget line, and the projection to the month's end.</summary>
public static class BurnChart
{
    public static (IReadOnlyList<string> Days, IReadOnlyList<ChartSeries> Series) Build(BurnOutlook outlook, IReadOnlyList<decimal> daily, DateTimeOffset now)
    {
        var days = (int)(outlook.MonthEnd - outlook.MonthStart).TotalDays;
        var labels = Enumerable.Range(0, days).Select(d => outlook.MonthStart.AddDays(d).ToString("MMM d", CultureInfo.InvariantCulture)).ToList();
        var today = Math.Min(daily.Count, days) - 1;
        var spent = new decimal[days];
        var running = 0m;
        for (var d = 0; d <= today; d++)
        {
            running += daily[d];
            spent[d] = running;
        }

        // From today's figure on, at the last 24 hours' rate up to the end of each later day.
        var projection = new decimal[days];
        for (var d = Math.Max(today, 0); d < days; d++)
        {
            var endOfDay = outlook.MonthStart.AddDays(d + 1);
            projection[d] = d == today ? outlook.MonthToDateUsd : outlook.MonthToDateUsd + outlook.RatePerHour24h * (decimal)(endOfDay - now).TotalHours;
        }

        List<ChartSeries> series =
        [
            new("Spent (cumulative)", spent, []) { Missing = Enumerable.Range(today + 1, Math.Max(0, days - today - 1)).ToHashSet() },
            new("Projection (24 h rate)", projection, []) { Missing = Enumerable.Range(0, Math.Max(today, 0)).ToHashSet(), Dashed = true },
        ];
        if (outlook.BudgetUsd is { } budget)
        {
            series.Add(new ChartSeries("Budget", Enumerable.Repeat(budget, days).ToList(), []) { Dashed = true });
        }

        return (labels, series);
    }
}
