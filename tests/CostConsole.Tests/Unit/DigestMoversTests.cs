namespace CostConsole.Tests.Unit;

/// <summary>The digest's top lists, from a comparison of yesterday with the week before.</summary>
public class DigestMoversTests
{
    private static readonly Period Before = new(new DateTimeOffset(2026, 11, 12, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 13, 0, 0, 0, TimeSpan.Zero), "week before");
    private static readonly Period After = new(new DateTimeOffset(2026, 11, 19, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), "yesterday");

    private static ChangeExplanation Explain(params ChangeRow[] rows) =>
        new(Before, After, "feature", new ChangeRow(["Total"], rows.Sum(r => r.Before), rows.Sum(r => r.After), rows.Sum(r => r.AfterAtOldPrices), 0, 0), rows, []);

    private static ChangeRow Row(string key, decimal before, decimal after, bool unpriced = false) => new([key], before, after, after, 0, 0) { Unpriced = unpriced };

    [Fact]
    public void By_spend_takes_yesterdays_largest_and_keeps_unpriced_rows()
    {
        var explanation = Explain(Row("a", 1m, 5m), Row("b", 9m, 7m), Row("c", 0m, 2m), Row("gone", 4m, 0m), Row("", 0m, 0m, unpriced: true));

        var movers = DigestMovers.BySpend(explanation, 3);

        Assert.Equal([("b", 7m, 9m), ("a", 5m, 1m), ("c", 2m, 0m)], movers.Select(m => (m.Name, m.Yesterday, m.WeekBefore)));
        var all = DigestMovers.BySpend(explanation, 10);
        Assert.Equal(["b", "a", "c", "(not labelled)"], all.Select(m => m.Name));
        Assert.True(all[^1].Unpriced);
    }

    [Fact]
    public void By_increase_lists_only_what_grew_largest_first_ties_by_name()
    {
        var explanation = Explain(Row("a", 1m, 5m), Row("b", 9m, 7m), Row("c", 0m, 4m), Row("d", 2m, 6m));

        var movers = DigestMovers.ByIncrease(explanation, 3);

        // a, c and d each grew by $4: ordered by name; b fell and is not listed.
        Assert.Equal(["a", "c", "d"], movers.Select(m => m.Name));
        Assert.All(movers, m => Assert.Equal(4m, m.Change));
        Assert.Null(movers[1].ChangePercent);
        Assert.Equal(400m, movers[0].ChangePercent);
    }
}
