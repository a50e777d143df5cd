using CostConsole.Features.Budgets;

namespace CostConsole.Tests.Unit;

/// <summary>Projections at fixed instants: start, middle and end of months of 28 to 31 days, with and without a budget.</summary>
public sealed class BurnProjectionTests
{
    private static DateTimeOffset At(int year, int month, int day, int hour = 0) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(2026, 2, 28)]
    [InlineData(2028, 2, 29)]
    [InlineData(2026, 4, 30)]
    [InlineData(2026, 12, 31)]
    public void The_month_end_projection_adds_the_rate_times_the_hours_left_in_a_month_of_any_length(int year, int month, int days)
    {
        var now = At(year, month, 10, 12);
        // $2/hour over both windows.
        var outlook = BurnProjection.Project(new BurnInput(now, MonthToDateUsd: 500m, Last24hUsd: 48m, Last7dUsd: 336m, LastHourUsd: 3m, BudgetUsd: 5000m));

        var hoursLeft = (decimal)(At(year, month, days).AddDays(1) - now).TotalHours;
        Assert.Equal(At(year, month, 1), outlook.MonthStart);
        Assert.Equal(days, (outlook.MonthEnd - outlook.MonthStart).TotalDays);
        Assert.Equal(2m, outlook.RatePerHour24h);
        Assert.Equal(2m, outlook.RatePerHour7d);
        Assert.Equal(500m + 2m * hoursLeft, outlook.ProjectedMonthEnd24h);
        Assert.Equal(72m, outlook.ProjectedNext24h);
        Assert.Equal(BudgetStatus.OnTrack, outlook.Status);
        Assert.Null(outlook.RunsOutAt);
        Assert.Equal(10m, outlook.UsedPercent);
    }

    [Fact]
    public void At_the_start_of_a_month_nothing_is_spent_and_the_whole_month_is_projected()
    {
        var now = At(2026, 11, 1);
        var outlook = BurnProjection.Project(new BurnInput(now, 0m, 240m, 1680m, 10m, 6000m));

        // 30 days × 24 h × $10/h = $7,200 > $6,000; the budget runs out after 600 hours.
        Assert.Equal(7200m, outlook.ProjectedMonthEnd24h);
        Assert.Equal(BudgetStatus.AtRisk, outlook.Status);
        Assert.Equal(now.AddHours(600), outlook.RunsOutAt);
        Assert.Equal("At the last 24 hours' rate the month ends at $7,200.00, over the budget of $6,000.00; at the last 24 hours' rate the budget runs out Nov 26 00:00 UTC.", outlook.Reason);
    }

    [Fact]
    public void In_the_last_hour_of_a_month_the_projection_is_the_spend_so_far()
    {
        var now = At(2026, 11, 30, 23).AddMinutes(59);
        var outlook = BurnProjection.Project(new BurnInput(now, 900m, 2400m, 2400m, 100m, 1000m));

        Assert.Equal(decimal.Round(900m + 100m / 60m, 10), decimal.Round(outlook.ProjectedMonthEnd24h, 10));
        Assert.Equal(BudgetStatus.OnTrack, outlook.Status);
    }

    [Fact]
    public void Spend_over_the_budget_is_over_with_the_excess_in_words()
    {
        var outlook = BurnProjection.Project(new BurnInput(At(2026, 11, 20), 1234.5m, 10m, 70m, 1m, 1000m));

        Assert.Equal(BudgetStatus.Over, outlook.Status);
        Assert.Equal("Spend so far ($1,234.50) is over the budget of $1,000.00 by $234.50.", outlook.Reason);
        Assert.Null(outlook.RunsOutAt);
    }

    [Fact]
    public void A_slow_week_and_a_busy_day_take_the_worse_projection()
    {
        // 7-day rate $1/h, last 24 h $5/h: the 24-hour rate drives the risk.
        var now = At(2026, 11, 15);
        var outlook = BurnProjection.Project(new BurnInput(now, 400m, 120m, 168m, 5m, 1500m));

        // Nov 15 00:00 to Dec 1 00:00 is 16 days: 384 hours left.
        Assert.Equal(400m + 5m * 384m, outlook.ProjectedMonthEnd24h);
        Assert.Equal(400m + 1m * 384m, outlook.ProjectedMonthEnd7d);
        Assert.Equal(BudgetStatus.AtRisk, outlook.Status);
        Assert.StartsWith("At the last 24 hours' rate the month ends at $2,320.00", outlook.Reason);
        Assert.Equal(now.AddHours(220), outlook.RunsOutAt);
    }

    [Fact]
    public void A_team_with_no_spend_is_on_track_and_never_runs_out()
    {
        var outlook = BurnProjection.Project(new BurnInput(At(2026, 11, 15), 0m, 0m, 0m, 0m, 100m));

        Assert.Equal(BudgetStatus.OnTrack, outlook.Status);
        Assert.Null(outlook.RunsOutAt);
        Assert.Equal(0m, outlook.ProjectedMonthEnd7d);
    }

    [Fact]
    public void A_team_with_no_budget_gets_projections_but_no_judgement()
    {
        var outlook = BurnProjection.Project(new BurnInput(At(2026, 11, 15), 50m, 24m, 168m, 1m, null));

        Assert.Equal(BudgetStatus.NoBudget, outlook.Status);
        Assert.Equal("No budget is set for this month.", outlook.Reason);
        Assert.Null(outlook.UsedPercent);
        Assert.Equal(50m + 1m * 384m, outlook.ProjectedMonthEnd24h);
    }

    [Fact]
    public void A_ledger_younger_than_a_week_divides_by_the_hours_it_covers()
    {
        var outlook = BurnProjection.Project(new BurnInput(At(2026, 11, 15), 50m, 24m, 48m, 1m, null, HoursCovered7d: 48));

        Assert.Equal(1m, outlook.RatePerHour7d);
    }

    [Fact]
    public void A_budget_changed_mid_month_applies_to_the_whole_month_and_past_months_keep_theirs()
    {
        Budget[] budgets =
        [
            new() { TeamId = 1, FromMonth = 202609, MonthlyUsd = 1000m },
            new() { TeamId = 1, FromMonth = 202611, MonthlyUsd = 1500m },
            new() { TeamId = null, FromMonth = 202611, MonthlyUsd = 9000m },
        ];

        Assert.Null(BudgetBook.InForce(budgets, 1, 202608));
        Assert.Equal(1000m, BudgetBook.InForce(budgets, 1, 202610)!.MonthlyUsd);
        Assert.Equal(1500m, BudgetBook.InForce(budgets, 1, 202611)!.MonthlyUsd);
        Assert.Equal(1500m, BudgetBook.InForce(budgets, 1, 202703)!.MonthlyUsd);
        Assert.Equal(9000m, BudgetBook.InForce(budgets, null, 202612)!.MonthlyUsd);
        Assert.Null(BudgetBook.InForce(budgets, 2, 202611));

        // On the 20th the budget goes from 1,000 to 1,500 for this month: $1,200 spent is no longer over.
        var now = At(2026, 11, 20);
        Assert.Equal(BudgetStatus.Over, BurnProjection.Project(new BurnInput(now, 1200m, 0m, 0m, 0m, 1000m)).Status);
        Assert.Equal(BudgetStatus.OnTrack, BurnProjection.Project(new BurnInput(now, 1200m, 0m, 0m, 0m, BudgetBook.InForce(budgets, 1, Budget.MonthKey(now))!.MonthlyUsd)).Status);
    }

    [Theory]
    [InlineData(499, new int[0])]
    [InlineData(500, new[] { 50 })]
    [InlineData(850, new[] { 50, 80 })]
    [InlineData(1000, new[] { 50, 80, 100 })]
    public void Thresholds_are_reached_at_their_share_of_the_budget(int spend, int[] reached)
    {
        Assert.Equal(reached, BurnProjection.Reached(spend, 1000m, [100, 50, 80]));
    }

    [Fact]
    public void The_burn_chart_accumulates_days_so_far_and_projects_the_rest_at_the_24_hour_rate()
    {
        var now = At(2026, 2, 3, 12);
        var outlook = BurnProjection.Project(new BurnInput(now, MonthToDateUsd: 60m, Last24hUsd: 48m, Last7dUsd: 0m, LastHourUsd: 2m, BudgetUsd: 2000m));

        var (days, series) = BurnChart.Build(outlook, [10m, 20m, 30m], now);

        Assert.Equal(28, days.Count);
        Assert.Equal("Feb 1", days[0]);
        var (spent, projection, budget) = (series[0], series[1], series[2]);
        Assert.Equal([10m, 30m, 60m], spent.Costs.Take(3));
        Assert.Equal(Enumerable.Range(3, 25), spent.Missing!.Order());
        Assert.Equal([0, 1], projection.Missing!.Order());
        Assert.Equal(60m, projection.Costs[2]);
        // The end of Feb 4 is 36 hours after noon on Feb 3; the month's end 8.5 days after.
        Assert.Equal(60m + 2m * 36m, projection.Costs[3]);
        Assert.Equal(outlook.ProjectedMonthEnd24h, projection.Costs[27]);
        Assert.True(projection.Dashed && budget.Dashed && !spent.Dashed);
        Assert.All(budget.Costs, c => Assert.Equal(2000m, c));
    }
}
