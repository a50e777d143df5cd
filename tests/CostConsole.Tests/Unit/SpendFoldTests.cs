namespace CostConsole.Tests.Unit;

/// <summary>
/// The spend fold as pure code: cells, a price book and feature owners in; rows, totals and the unpriced call-out out.
/// Every expected figure is worked out from the cells and prices written in the test.
/// </summary>
public class SpendFoldTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyDictionary<string, string> NoOwners = new Dictionary<string, string>();

    private static long H(int hour) => Day.AddHours(hour).ToUnixTimeSeconds();

    private static Dimensions Dims(string model = "m1", string feature = "chat", string team = "") => new(model, "openai", feature, team, "chat", "");

    private static LedgerCell Cell(int hour, Dimensions dims, TokenType type, long tokens) => new(H(hour), dims, type, tokens);

    private static SpendRequest Request(params string[] groupBy) => new(Day, Day.AddDays(1), groupBy);

    [Fact]
    public void Each_hour_is_priced_with_the_price_in_force_then()
    {
        // m1 costs $1 input / $2 output per 1M tokens until 12:00, then $10 / $20.
        var book = new PriceBook([new PriceEntry("m1", Day, 1m, 2m), new PriceEntry("m1", Day.AddHours(12), 10m, 20m)]);
        LedgerCell[] cells =
        [
            Cell(3, Dims(), TokenType.Input, 1_000_000), Cell(3, Dims(), TokenType.Output, 500_000),
            Cell(15, Dims(), TokenType.Input, 2_000_000), Cell(15, Dims(), TokenType.Output, 100_000),
        ];

        var result = SpendFold.Fold(cells, book, NoOwners, Request("model"), inputIncludes: CacheInclusion.Both);

        // 03:00: 1M × $1 + 0.5M × $2 = $2; 15:00: 2M × $10 + 0.1M × $20 = $22.
        var row = Assert.Single(result.Rows);
        Assert.Equal(["m1"], row.Keys);
        Assert.Equal(24m, row.Figures.CostUsd);
        Assert.Equal(3_000_000, row.Figures.InputTokens);
        Assert.Equal(600_000, row.Figures.OutputTokens);
        Assert.Equal(3_600_000, row.Figures.BillableTokens);
        Assert.Equal(row.Figures, result.Totals);
        Assert.Null(result.UnpricedWarning);
    }

    [Fact]
    public void Tokens_without_a_price_are_unpriced_and_named_never_free()
    {
        var book = new PriceBook([new PriceEntry("m1", Day, 1m, 1m)]);
        LedgerCell[] cells =
        [
            Cell(1, Dims("m1"), TokenType.Input, 1_000_000),
            Cell(1, Dims("mystery"), TokenType.Input, 300), Cell(2, Dims("mystery"), TokenType.Output, 200),
            Cell(2, Dims(""), TokenType.Output, 7),
        ];

        var result = SpendFold.Fold(cells, book, NoOwners, Request("model"), inputIncludes: CacheInclusion.Both);

        Assert.Equal(["", "mystery"], result.UnpricedModels);
        Assert.Equal(507, result.Totals.UnpricedTokens);
        Assert.Equal(1m, result.Totals.CostUsd);
        var mystery = Assert.Single(result.Rows, r => r.Keys[0] == "mystery");
        Assert.Equal(0m, mystery.Figures.CostUsd);
        Assert.Equal(500, mystery.Figures.UnpricedTokens);
        Assert.Equal("unpriced", SpendFormat.Cost(mystery.Figures));
        Assert.Equal("507 tokens have no price in force and are not in the cost: (not labelled), mystery. Add a price to include them.", result.UnpricedWarning);
    }

    [Fact]
    public void A_team_label_wins_then_the_features_owner_then_unassigned()
    {
        var book = new PriceBook([new PriceEntry("m1", Day, 1m, 0m)]);
        var owners = new Dictionary<string, string> { ["search"] = "Search team", ["chat"] = "Chat team" };
        LedgerCell[] cells =
        [
            Cell(1, Dims(feature: "chat", team: "Labelled"), TokenType.Input, 1_000_000),
            Cell(1, Dims(feature: "chat"), TokenType.Input, 2_000_000),
            Cell(1, Dims(feature: "search"), TokenType.Input, 3_000_000),
            Cell(1, Dims(feature: "orphan"), TokenType.Input, 4_000_000),
        ];

        var all = SpendFold.Fold(cells, book, owners, Request("team"), inputIncludes: CacheInclusion.Both);
        var searchOnly = SpendFold.Fold(cells, book, owners, Request("feature").WithFilter(SpendDimension.Team, ["Search team", "unassigned"]), inputIncludes: CacheInclusion.Both);

        Assert.Equal([("unassigned", 4m), ("Search team", 3m), ("Chat team", 2m), ("Labelled", 1m)], all.Rows.Select(r => (r.Keys[0], r.Figures.CostUsd)));
        Assert.Equal([("orphan", 4m), ("search", 3m)], searchOnly.Rows.Select(r => (r.Keys[0], r.Figures.CostUsd)));
        Assert.Equal(7m, searchOnly.Totals.CostUsd);
    }

    [Fact]
    public void Repricing_uses_the_prices_of_one_instant_where_the_model_had_one()
    {
        var book = new PriceBook(
        [
            new PriceEntry("old", Day, 1m, 0m), new PriceEntry("old", Day.AddHours(12), 3m, 0m),
            new PriceEntry("new", Day.AddHours(12), 5m, 0m),
        ]);
        LedgerCell[] cells = [Cell(14, Dims("old"), TokenType.Input, 1_000_000), Cell(14, Dims("new"), TokenType.Input, 1_000_000)];

        var atOld = SpendFold.Fold(cells, book, NoOwners, Request("model") with { RepriceAt = Day.AddHours(11) }, inputIncludes: CacheInclusion.Both);

        // "old" at 11:00's $1; "new" had no price at 11:00, so it keeps its own hour's $5.
        Assert.Equal([("new", 5m), ("old", 1m)], atOld.Rows.Select(r => (r.Keys[0], r.Figures.CostUsd)));
    }

    [Fact]
    public void Cached_tokens_are_billed_at_their_price_and_their_saving_is_counted()
    {
        // Input $4, cached $1, cache write $5, output $8 per 1M.
        var book = new PriceBook([new PriceEntry("m1", Day, 4m, 8m, 1m, 5m)]);
        LedgerCell[] cells =
        [
            Cell(1, Dims(), TokenType.Input, 1_000_000), Cell(1, Dims(), TokenType.CachedInput, 600_000),
            Cell(1, Dims(), TokenType.CacheWrite, 100_000), Cell(1, Dims(), TokenType.Output, 50_000), Cell(1, Dims(), TokenType.Requests, 40),
        ];

        var included = SpendFold.Fold(cells, book, NoOwners, Request(), inputIncludes: CacheInclusion.Both).Totals;
        var separate = SpendFold.Fold(cells, book, NoOwners, Request(), inputIncludes: default).Totals;

        // Included: (1M − 0.6M − 0.1M) × 4 + 0.6M × 1 + 0.1M × 5 + 0.05M × 8 = 1.2 + 0.6 + 0.5 + 0.4 = $2.70.
        Assert.Equal(2.70m, included.CostUsd);
        Assert.Equal(1_050_000, included.BillableTokens);
        // Separate: 1M × 4 + 0.6 + 0.5 + 0.4 = $5.50, and every token type is billed.
        Assert.Equal(5.50m, separate.CostUsd);
        Assert.Equal(1_750_000, separate.BillableTokens);
        // The saving is the cached tokens at (input − cached) price: 0.6M × $3.
        Assert.Equal(1.80m, included.CachedSavingsUsd);
        Assert.Equal(40, included.Requests);
        Assert.Equal(2.70m / 40 * 1000m, included.CostPer1KRequests);
    }

    [Fact]
    public void Days_are_the_calendar_days_of_the_requested_zone()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var book = new PriceBook([new PriceEntry("m1", Day.AddDays(-1), 1m, 0m)]);
        // 22:00 UTC is 23:00 in Berlin (UTC+1 in November); 23:00 UTC is already the next day there.
        LedgerCell[] cells = [Cell(22, Dims(), TokenType.Input, 1_000_000), Cell(23, Dims(), TokenType.Input, 2_000_000)];

        var utc = SpendFold.Fold(cells, book, NoOwners, Request("day"), inputIncludes: CacheInclusion.Both);
        var local = SpendFold.Fold(cells, book, NoOwners, Request("day") with { TimeZone = berlin }, inputIncludes: CacheInclusion.Both);
        var hours = SpendFold.Fold(cells, book, NoOwners, Request("hour"), inputIncludes: CacheInclusion.Both);

        Assert.Equal([("2026-11-02", 3m)], utc.Rows.Select(r => (r.Keys[0], r.Figures.CostUsd)));
        Assert.Equal([("2026-11-03", 2m), ("2026-11-02", 1m)], local.Rows.Select(r => (r.Keys[0], r.Figures.CostUsd)));
        Assert.Equal(["2026-11-02T23:00:00Z", "2026-11-02T22:00:00Z"], hours.Rows.Select(r => r.Keys[0]));
    }

    [Fact]
    public void Rows_are_ordered_by_cost_then_unpriced_tokens_then_keys()
    {
        var book = new PriceBook([new PriceEntry("a", Day, 1m, 0m), new PriceEntry("b", Day, 1m, 0m)]);
        LedgerCell[] cells =
        [
            Cell(1, Dims("b", "x"), TokenType.Input, 1_000_000), Cell(1, Dims("a", "y"), TokenType.Input, 1_000_000),
            Cell(1, Dims("z", "u1"), TokenType.Input, 10), Cell(1, Dims("z", "u2"), TokenType.Input, 20),
            Cell(1, Dims("a", "big"), TokenType.Input, 3_000_000),
        ];

        var result = SpendFold.Fold(cells, book, NoOwners, Request("feature", "model"), inputIncludes: CacheInclusion.Both);

        Assert.Equal(["big|a", "x|b", "y|a", "u2|z", "u1|z"], result.Rows.Select(r => string.Join('|', r.Keys)));
        Assert.Equal(5m, result.Totals.CostUsd);
        Assert.Equal(30, result.Totals.UnpricedTokens);
    }

    [Fact]
    public void An_unknown_grouping_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => SpendFold.Fold([], new PriceBook([]), NoOwners, Request("colour"), inputIncludes: CacheInclusion.Both));

        Assert.Contains("'colour'", error.Message);
    }

    [Fact]
    public void Nothing_folds_to_zero_rows_and_zero_totals()
    {
        var result = SpendFold.Fold([], new PriceBook([]), NoOwners, Request("feature"), inputIncludes: CacheInclusion.Both);

        Assert.Empty(result.Rows);
        Assert.Equal(SpendFigures.Zero, result.Totals);
        Assert.Empty(result.UnpricedModels);
    }
}
