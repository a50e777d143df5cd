using CostConsole.Features.Spend;

namespace CostConsole.Tests.Unit;

public sealed class SpendViewModelTests
{
    private static readonly Period Before = new(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 2, 0, 0, 0, TimeSpan.Zero), "a");
    private static readonly Period After = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero), "b");

    private static SpendResult Result(params (string Key, decimal Cost, long Tokens)[] rows) =>
        new(After.From, After.To, ["feature"], [.. rows.Select(r => new SpendRow([r.Key], SpendFigures.Zero with { CostUsd = r.Cost, BillableTokens = r.Tokens }))],
            SpendFigures.Zero with { CostUsd = rows.Sum(r => r.Cost), BillableTokens = rows.Sum(r => r.Tokens) }, After.To, []);

    [Fact]
    public void Volume_and_price_effects_add_up_to_the_change_for_every_row_and_the_total()
    {
        // chat: 1M tokens at $2/M, then 3M tokens at $1/M ($3; $6 at the old price): volume +$4, price −$3.
        // search: new in the later period. legacy: gone.
        var earlier = Result(("chat", 2m, 1_000_000), ("legacy", 5m, 500_000));
        var later = Result(("chat", 3m, 3_000_000), ("search", 1.5m, 100_000));
        var atOld = Result(("chat", 6m, 3_000_000), ("search", 1.5m, 100_000));

        var explanation = ChangeExplanation.Explain(Before, After, "feature", earlier, later, atOld);

        var chat = explanation.Rows.Single(r => r.Keys[0] == "chat");
        Assert.Equal((1m, 4m, -3m), (chat.Change, chat.VolumeEffect, chat.PriceEffect));
        Assert.Equal(50m, chat.ChangePercent);
        var search = explanation.Rows.Single(r => r.Keys[0] == "search");
        Assert.Equal((1.5m, 1.5m, 0m, null as decimal?), (search.Change, search.VolumeEffect, search.PriceEffect, search.ChangePercent));
        var legacy = explanation.Rows.Single(r => r.Keys[0] == "legacy");
        Assert.Equal((-5m, -5m, 0m), (legacy.Change, legacy.VolumeEffect, legacy.PriceEffect));
        Assert.Equal(explanation.Total.Change, explanation.Total.VolumeEffect + explanation.Total.PriceEffect);
        Assert.Equal(-2.5m, explanation.Total.Change);
        Assert.Equal(["legacy", "search", "chat"], explanation.Rows.Select(r => r.Keys[0]));
    }

    [Fact]
    public void Tokens_moving_from_batch_to_standard_at_unchanged_prices_are_called_a_mix_effect()
    {
        // 4M tokens both times; batch (half price) goes from 3M to 1M of them. Prices unchanged: after = at old prices.
        var earlier = Result(("batch", 3m, 3_000_000), ("", 2m, 1_000_000));
        var later = Result(("batch", 1m, 1_000_000), ("", 6m, 3_000_000));

        var explanation = ChangeExplanation.Explain(Before, After, SpendDimension.Variant, earlier, later, later);

        Assert.Equal((2m, 2m, 0m), (explanation.Total.Change, explanation.Total.VolumeEffect, explanation.Total.PriceEffect));
        Assert.StartsWith("Tokens moved between price variants (", explanation.Warnings.Single(), StringComparison.Ordinal);
        Assert.Contains("batch 75% → 25% of tokens", explanation.Warnings.Single());
        Assert.Contains("(not labelled) 25% → 75% of tokens", explanation.Warnings.Single());
        Assert.Contains("a mix effect, not a price change", explanation.Warnings.Single());
        // Grouped by something else, or with shares that hold, nothing is said.
        Assert.Empty(ChangeExplanation.Explain(Before, After, "feature", earlier, later, later).Warnings);
        Assert.Empty(ChangeExplanation.Explain(Before, After, SpendDimension.Variant, earlier, earlier, earlier).Warnings);
    }

    [Fact]
    public void A_comparison_whose_earlier_period_starts_before_the_ledger_says_it_is_not_like_for_like()
    {
        var earlier = Result(("chat", 2m, 1_000_000)) with { From = Before.From, To = Before.To, LedgerFrom = Before.From.AddHours(12) };
        var later = Result(("chat", 3m, 1_500_000)) with { LedgerFrom = Before.From.AddHours(12) };

        var explanation = ChangeExplanation.Explain(Before, After, "feature", earlier, later, later);

        Assert.Contains("The ledger starts at 2026-10-01 12:00 UTC", explanation.Warnings[0]);
        Assert.Contains("earlier period is only partly counted", explanation.Warnings[0]);
    }

    [Theory]
    [InlineData(0, "$0.00")]
    [InlineData(0.004, "<$0.01")]
    [InlineData(1234.5, "$1,234.50")]
    [InlineData(-12.3, "−$12.30")]
    public void Money_reads_as_usd(decimal usd, string expected) => Assert.Equal(expected, SpendFormat.Money(usd));

    [Fact]
    public void Changes_and_shares_are_signed_and_never_divide_by_zero()
    {
        Assert.Equal("+$3.00", SpendFormat.MoneyChange(3m));
        Assert.Equal("+12.5%", SpendFormat.Percent(12.5m));
        Assert.Equal("−40.0%", SpendFormat.Percent(-40m));
        Assert.Equal("new", SpendFormat.Percent(null));
        Assert.Equal("—", SpendFormat.Share(5m, 0m));
        Assert.Equal("25.0%", SpendFormat.Share(1m, 4m));
        Assert.Equal("unpriced", SpendFormat.Cost(SpendFigures.Zero with { UnpricedTokens = 10 }));
        Assert.Equal("$2.00 + unpriced", SpendFormat.Cost(SpendFigures.Zero with { CostUsd = 2m, UnpricedTokens = 10 }));
        Assert.Null((SpendFigures.Zero with { CostUsd = 2m }).CostPer1KRequests);
        Assert.Equal(4m, (SpendFigures.Zero with { CostUsd = 2m, Requests = 500 }).CostPer1KRequests);
    }

    [Fact]
    public void An_explorer_view_round_trips_through_its_url()
    {
        var state = ExplorerState.Default("UTC") with { Range = "custom", From = new DateOnly(2026, 11, 1), To = new DateOnly(2026, 11, 7), Zone = "Europe/Berlin", Level1 = "model", Level2 = "team", Sort = "requests", Descending = false };
        state = state.WithFilter("feature", ["chat & search", "a=b"]).WithFilter("outcome", [""]);

        var query = state.ToQuery();
        var (parsed, problems) = ExplorerState.Parse(query, "UTC");

        Assert.Empty(problems);
        Assert.Equal(query, parsed.ToQuery());
        Assert.Equal(["chat & search", "a=b"], parsed.Filters["feature"]);
        Assert.Equal(["model", "team"], parsed.GroupBy);
        Assert.Equal(("requests", false, "Europe/Berlin"), (parsed.Sort, parsed.Descending, parsed.Zone));
    }

    [Fact]
    public void Drilling_into_a_row_filters_by_its_keys_and_groups_by_the_next_dimension()
    {
        var state = ExplorerState.Default("UTC") with { Level1 = "feature", Level2 = "model" };

        var drilled = state.DrillInto(["chat", "gpt-4o"]);

        Assert.Equal(["chat"], drilled.Filters["feature"]);
        Assert.Equal(["gpt-4o"], drilled.Filters["model"]);
        Assert.Equal(["team"], drilled.GroupBy);
        Assert.Equal(["provider"], drilled.DrillInto(["growth"]).GroupBy);
    }

    [Theory]
    [InlineData("range=fortnight", "Unknown range")]
    [InlineData("range=custom&from=2026-13-01&to=2026-11-02", "is not a date")]
    [InlineData("tz=Nowhere/Land", "Unknown time zone")]
    [InlineData("by=colour", "Cannot group by 'colour'")]
    [InlineData("by=feature,feature", "as the second level")]
    public void Bad_url_state_falls_back_to_defaults_and_says_so(string query, string expected)
    {
        var (state, problems) = ExplorerState.Parse("?" + query, "UTC");

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        Assert.Contains(state.Level1, SpendDimension.All);
    }

    [Fact]
    public void Chart_series_keep_the_largest_names_and_sum_the_rest_as_other()
    {
        SpendRow Row(string day, string feature, decimal cost) => new([day, feature], SpendFigures.Zero with { CostUsd = cost, BillableTokens = (long)(cost * 1000) });
        List<SpendRow> rows = [Row("d1", "a", 5), Row("d1", "b", 3), Row("d1", "c", 1), Row("d2", "a", 2), Row("d2", "c", 0.5m)];

        var series = ChartData.Build(rows, ["d1", "d2"], maxSeries: 2);

        Assert.Equal(["a", "b", "Other"], series.Select(s => s.Name));
        Assert.Equal([5m, 2m], series[0].Costs);
        Assert.Equal([1m, 0.5m], series[2].Costs);
        Assert.Equal(rows.Sum(r => r.Figures.CostUsd), series.Sum(s => s.Costs.Sum()));
    }

    private static SpendRow Row(string key, long input, decimal cost, long requests = 0) =>
        new([key], new SpendFigures(input, input / 10, 0, input / 2, cost, 0, requests));

    [Theory]
    [InlineData(0, 3)]
    [InlineData(3, 3)]
    [InlineData(9, 3)]
    [InlineData(0, 100)]
    public void A_page_and_its_remainder_row_add_up_to_every_row_exactly(int offset, int size)
    {
        var rows = Enumerable.Range(0, 10).Select(i => Row($"f{i}", 1000 + i * 7, 0.1m * i + 0.000001m, i)).ToList();
        var total = rows.Aggregate(SpendFigures.Zero, (sum, r) => sum.Plus(r.Figures));

        var page = RowPage.Of(rows, offset, size);

        Assert.Equal(rows.Skip(offset).Take(size), page.Shown);
        Assert.Equal(10 - page.Shown.Count, page.RestRows);
        Assert.Equal(total, page.Shown.Aggregate(page.Rest, (sum, r) => sum.Plus(r.Figures)));
        Assert.Equal(offset + size < 10, page.HasNext);
    }

    [Theory]
    [InlineData("?page=3", 3, null)]
    [InlineData("?page=0", 1, "'page' ('0') is not a page number")]
    [InlineData("?page=x", 1, "'page' ('x') is not a page number")]
    public void The_explorer_page_number_lives_in_the_url(string query, int page, string? problem)
    {
        var (state, problems) = ExplorerState.Parse(query, "UTC");

        Assert.Equal(page, state.Page);
        if (problem is null) Assert.Empty(problems);
        else Assert.Contains(problems, p => p.StartsWith(problem, StringComparison.Ordinal));
        Assert.Equal(page > 1, state.ToQuery().Contains($"page={page}", StringComparison.Ordinal));
        Assert.Equal(state, ExplorerState.Parse(state.ToQuery(), "UTC").State with { Filters = state.Filters });
    }
}
