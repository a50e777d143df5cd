using CostConsole.Features.Pricing;

namespace CostConsole.Tests.Unit;

public sealed class CostEngineTests
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly PriceEntry Gpt4o = new("gpt-4o-2024-11-20", Jan1, 2.50m, 10.00m, 1.25m);
    private static readonly PriceEntry Mini = new("gpt-4o-mini", Jan1, 0.15m, 0.60m);

    [Fact]
    public void Cached_tokens_inside_input_are_billed_once_at_the_cached_price()
    {
        // 1M input of which 400k cached, 200k output: 600k × 2.50 + 400k × 1.25 + 200k × 10.00 per 1M.
        var cost = CostFormula.Cost(new TokenCounts(1_000_000, 400_000, 0, 200_000), Gpt4o, inputIncludes: CacheInclusion.Both);
        Assert.Equal(1.50m + 0.50m + 2.00m, cost);
    }

    [Fact]
    public void When_input_excludes_cached_tokens_input_is_billed_whole()
    {
        var cost = CostFormula.Cost(new TokenCounts(600_000, 400_000, 0, 200_000), Gpt4o, inputIncludes: default);
        Assert.Equal(1.50m + 0.50m + 2.00m, cost);
    }

    [Fact]
    public void Without_a_cached_price_cached_tokens_cost_the_input_price()
    {
        var cost = CostFormula.Cost(new TokenCounts(1_000_000, 500_000, 0, 0), Mini, inputIncludes: CacheInclusion.Both);
        Assert.Equal(0.15m, cost);
    }

    [Fact]
    public void Cache_writes_have_their_own_price_and_come_out_of_input()
    {
        var price = new PriceEntry("claude-3-5-sonnet-20241022", Jan1, 3.00m, 15.00m, 0.30m, 3.75m);
        var cost = CostFormula.Cost(new TokenCounts(1_000_000, 200_000, 100_000, 10_000), price, inputIncludes: CacheInclusion.Both);
        Assert.Equal(700_000 * 3.00m / 1_000_000 + 200_000 * 0.30m / 1_000_000 + 100_000 * 3.75m / 1_000_000 + 10_000 * 15.00m / 1_000_000, cost);
    }

    [Fact]
    public void Reads_and_writes_are_each_taken_out_of_input_only_when_input_includes_them()
    {
        var price = new PriceEntry("claude-3-5-sonnet-20241022", Jan1, 3.00m, 15.00m, 0.30m, 3.75m);
        // LiteLLM-style: the 900,000 input tokens hold the 200,000 cache reads but not the 100,000 cache writes.
        var tokens = new TokenCounts(900_000, 200_000, 100_000, 0);
        var readsOnly = CostFormula.Cost(tokens, price, new CacheInclusion(Reads: true, Writes: false));
        Assert.Equal((700_000 * 3.00m + 200_000 * 0.30m + 100_000 * 3.75m) / 1_000_000, readsOnly);
        Assert.Equal(1_000_000, tokens.Billable(new CacheInclusion(Reads: true, Writes: false)));

        var writesOnly = CostFormula.Cost(tokens, price, new CacheInclusion(Reads: false, Writes: true));
        Assert.Equal((800_000 * 3.00m + 200_000 * 0.30m + 100_000 * 3.75m) / 1_000_000, writesOnly);
        Assert.Equal(1_100_000, tokens.Billable(new CacheInclusion(Reads: false, Writes: true)));
    }

    [Fact]
    public void Money_is_decimal_exact_for_a_single_token()
    {
        Assert.Equal(0.0000025m, CostFormula.Cost(new TokenCounts(1, 0, 0, 0), Gpt4o, CacheInclusion.Both));
        Assert.Equal(0.00001m, CostFormula.Cost(new TokenCounts(0, 0, 0, 1), Gpt4o, CacheInclusion.Both));
    }

    [Fact]
    public void The_price_in_force_is_the_latest_entry_at_or_before_the_hour()
    {
        var cut = Jan1.AddDays(10).AddHours(13);
        var book = new PriceBook([Gpt4o, Gpt4o with { EffectiveFrom = cut, InputPerMTok = 2.00m }]);

        Assert.Null(book.PriceAt("gpt-4o-2024-11-20", Jan1.AddHours(-1)));
        Assert.Equal(2.50m, book.PriceAt("gpt-4o-2024-11-20", cut.AddHours(-1))!.InputPerMTok);
        Assert.Equal(2.00m, book.PriceAt("gpt-4o-2024-11-20", cut)!.InputPerMTok);
        Assert.Equal(2.00m, book.PriceAt("gpt-4o-2024-11-20", cut.AddDays(300))!.InputPerMTok);
    }

    [Fact]
    public void An_exact_model_beats_a_pattern_and_a_pattern_must_match_the_whole_id()
    {
        var pattern = new PriceEntry("re:gpt-4o.*", Jan1, 5m, 20m);
        var book = new PriceBook([pattern, Mini]);

        Assert.Equal(0.15m, book.PriceAt("gpt-4o-mini", Jan1)!.InputPerMTok);
        Assert.Equal(5m, book.PriceAt("gpt-4o-2024-08-06", Jan1)!.InputPerMTok);
        Assert.Null(book.PriceAt("my-gpt-4o", Jan1));
    }

    [Fact]
    public void A_pattern_covers_the_hours_before_the_exact_entry_starts()
    {
        var book = new PriceBook([new PriceEntry("re:claude-.*", Jan1, 3m, 15m), new PriceEntry("claude-x", Jan1.AddDays(1), 1m, 5m)]);

        Assert.Equal(3m, book.PriceAt("claude-x", Jan1.AddHours(5))!.InputPerMTok);
        Assert.Equal(1m, book.PriceAt("claude-x", Jan1.AddDays(2))!.InputPerMTok);
    }

    [Fact]
    public void A_model_without_a_price_is_unpriced_not_free()
    {
        var cost = CostFormula.CostAt(new PriceBook([Gpt4o]), "gemini-1.5-flash", Jan1, new TokenCounts(1000, 0, 0, 10), CacheInclusion.Both);

        Assert.False(cost.Priced);
        Assert.Null(cost.Price);
    }

    [Fact]
    public void Billable_tokens_count_cached_input_once()
    {
        Assert.Equal(1200, new TokenCounts(1000, 400, 0, 200).Billable(inputIncludes: CacheInclusion.Both));
        Assert.Equal(1600, new TokenCounts(1000, 400, 0, 200).Billable(inputIncludes: default));
    }
}
