namespace CostConsole.Tests.Unit;

/// <summary>Which rows a reconciliation flags, and the cause it names, from spend rows written out by hand.</summary>
public sealed class ReconciliationTests
{
    private static readonly IReadOnlyList<string> GroupBy = ["day", SpendDimension.Model, SpendDimension.Team];

    private static SpendRow Row(string model, decimal cost, decimal gateway, long unpriced = 0, long cached = 0, decimal savings = 0m, long billable = 1_000_000) =>
        new(["2026-11-10", model, "search"], new SpendFigures(billable, cached, 0, 0, cost, unpriced, 0, savings, billable, gateway));

    [Fact]
    public void Rows_within_the_tolerance_are_not_flagged()
    {
        var rows = Reconciliation.Compare(GroupBy, [Row("a", 100.00m, 101.50m), Row("b", 0.004m, 0.009m)], tolerancePercent: 2m, minimumUsd: 0.01m);
        Assert.All(rows, r => Assert.False(r.Flagged));
        Assert.All(rows, r => Assert.Null(r.Cause));
        Assert.Equal(-1.50m, rows.Single(r => r.Keys[1] == "a").DifferenceUsd);
    }

    [Fact]
    public void Each_cause_is_named()
    {
        var rows = Reconciliation.Compare(GroupBy,
        [
            Row("gemini-1.5-flash", 0m, 3.00m, unpriced: 40_000_000),
            Row("gpt-4o-mini", 9.00m, 10.00m),
            Row("claude-3-5-sonnet", 10.00m, 12.70m, cached: 1_000_000, savings: 2.70m),
            Row("local-model", 4.00m, 0m),
        ], tolerancePercent: 2m, minimumUsd: 0.01m);

        Assert.All(rows, r => Assert.True(r.Flagged));
        string Cause(string model) => rows.Single(r => r.Keys[1] == model).Cause!;
        Assert.Equal("CostConsole has no price for 'gemini-1.5-flash': its 40,000,000 tokens are not in CostConsole's cost. Add a price entry.", Cause("gemini-1.5-flash"));
        Assert.Equal("A price entry differs from the gateway's: its implied price for 'gpt-4o-mini' is $10 per 1M tokens, CostConsole's $9 (+11.1%).", Cause("gpt-4o-mini"));
        Assert.Equal("Cached tokens priced differently: the gateway's figure matches pricing the 1,000,000 cached tokens at the full input price.", Cause("claude-3-5-sonnet"));
        Assert.Equal("The gateway reported no cost for 'local-model': it may have no price for it.", Cause("local-model"));
        Assert.Equal(-10m, rows.Single(r => r.Keys[1] == "gpt-4o-mini").DifferencePercent);
        Assert.Null(rows.Single(r => r.Keys[1] == "local-model").DifferencePercent);
    }

    [Fact]
    public void Rows_of_one_model_are_read_together_a_constant_ratio_is_a_price_a_varying_one_the_cache()
    {
        SpendRow On(string day, string model, decimal cost, decimal gateway, decimal savings) =>
            new([day, model, "search"], new SpendFigures(1_000_000, 500_000, 0, 0, cost, 0, 0, savings, 1_000_000, gateway));

        var rows = Reconciliation.Compare(GroupBy,
        [
            // 10% under on both days; on day one the cached saving happens to make up the gap as well.
            On("2026-11-10", "gpt-4o-mini", 9.00m, 10.00m, 1.00m),
            On("2026-11-11", "gpt-4o-mini", 18.00m, 20.00m, 0.50m),
            // Cached tokens at the full input price: the gap is the saving, and the ratio varies with the cached share.
            On("2026-11-10", "claude", 10.00m, 12.00m, 2.00m),
            On("2026-11-11", "claude", 10.00m, 10.50m, 0.50m),
        ], 2m, 0.01m);

        Assert.All(rows.Where(r => r.Keys[1] == "gpt-4o-mini"), r => Assert.StartsWith("A price entry differs", r.Cause));
        Assert.All(rows.Where(r => r.Keys[1] == "claude"), r => Assert.StartsWith("Cached tokens priced differently", r.Cause));
    }

    [Fact]
    public void Flagged_rows_come_first_largest_difference_first()
    {
        var rows = Reconciliation.Compare(GroupBy, [Row("a", 1m, 1m), Row("b", 5m, 8m), Row("c", 5m, 20m)], 2m, 0.01m);
        Assert.Equal(["c", "b", "a"], rows.Select(r => r.Keys[1]));
    }
}
