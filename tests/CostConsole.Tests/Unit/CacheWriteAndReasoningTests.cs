using CostConsole.Core.Metrics;

namespace CostConsole.Tests.Unit;

/// <summary>
/// The cost formula with 5-minute and 1-hour cache writes and reasoning tokens, for every combination of "the input
/// counter includes the cache reads / the cache writes": each expected figure is written out from the formula's terms.
/// </summary>
public sealed class CacheWriteAndReasoningTests
{
    // $/MTok: input 3, cached 0.30, 5-minute write 3.75 (1.25×), 1-hour write 6 (2×), output 15.
    private static readonly PriceEntry Sonnet = new("claude-sonnet-4-5", DateTimeOffset.UnixEpoch, 3m, 15m, 0.30m, 3.75m, CacheWrite1hPerMTok: 6m);

    // 1M input as counted, 200k cache reads, 100k cache writes of which 40k kept an hour, 50k output of which 20k reasoning.
    private static readonly TokenCounts Tokens = new(1_000_000, 200_000, 100_000, 50_000, CacheWrite1h: 40_000, Reasoning: 20_000);

    [Theory]
    [InlineData(true, true, 700_000)]    // reads and writes inside input: plain = 1M − 200k − 100k
    [InlineData(true, false, 800_000)]   // only reads inside: plain = 1M − 200k
    [InlineData(false, true, 900_000)]   // only writes inside: plain = 1M − 100k
    [InlineData(false, false, 1_000_000)] // neither: all of input is plain
    public void Each_inclusion_takes_out_only_what_the_input_counter_holds_and_prices_1h_writes_apart(bool reads, bool writes, long plain)
    {
        var includes = new CacheInclusion(reads, writes);
        var expected = (plain * 3m + 200_000 * 0.30m + 60_000 * 3.75m + 40_000 * 6m + 50_000 * 15m) / 1_000_000m;
        Assert.Equal(expected, CostFormula.Cost(Tokens, Sonnet, includes));
        // Reasoning is inside output and the 1-hour writes inside the writes: neither is billed twice.
        Assert.Equal(plain + 200_000 + 100_000 + 50_000, Tokens.Billable(includes));
    }

    [Fact]
    public void Reasoning_costs_as_output_and_changes_nothing_by_itself()
    {
        Assert.Equal(CostFormula.Cost(Tokens with { Reasoning = 0 }, Sonnet, CacheInclusion.Both), CostFormula.Cost(Tokens, Sonnet, CacheInclusion.Both));
    }

    [Fact]
    public void Without_a_1h_price_the_1h_writes_cost_the_cache_write_price_and_without_that_the_input_price()
    {
        var no1h = Sonnet with { CacheWrite1hPerMTok = null };
        Assert.Equal((700_000 * 3m + 200_000 * 0.30m + 100_000 * 3.75m + 50_000 * 15m) / 1_000_000m, CostFormula.Cost(Tokens, no1h, CacheInclusion.Both));
        var noWrites = no1h with { CacheWritePerMTok = null };
        Assert.Equal((700_000 * 3m + 200_000 * 0.30m + 100_000 * 3m + 50_000 * 15m) / 1_000_000m, CostFormula.Cost(Tokens, noWrites, CacheInclusion.Both));
    }

    [Fact]
    public void A_multiplier_variant_scales_the_1h_price_too()
    {
        var batch = new PriceEntry("claude-sonnet-4-5", DateTimeOffset.UnixEpoch, 0m, 0m, Variant: "batch", Multiplier: 0.5m).Over(Sonnet);
        Assert.Equal((1.5m, 7.5m, 0.15m, 1.875m, 3m), (batch.InputPerMTok, batch.OutputPerMTok, batch.CachedInputPerMTok, batch.CacheWritePerMTok, batch.CacheWrite1hPerMTok));
    }

    [Fact]
    public void Figures_keep_the_subsets_and_the_reasoning_share()
    {
        var figures = SpendFigures.Zero.Add(Tokens, 1m, 0).Plus(SpendFigures.Zero.Add(new TokenCounts(0, 0, 0, 50_000, Reasoning: 5_000), 1m, 0));
        Assert.Equal((40_000L, 25_000L, 100_000L), (figures.CacheWrite1hTokens, figures.ReasoningTokens, figures.OutputTokens));
        Assert.Equal(0.25m, figures.ReasoningShare);
    }

    [Fact]
    public void A_custom_profile_maps_the_new_counters_and_a_1h_counter_needs_the_write_counter()
    {
        var profile = new CustomProfile { Input = "in_total", Output = "out_total", CacheWrite = "w_total", CacheWrite1h = "w1h_total", Reasoning = "r_total", Labels = { ["model"] = "model" } };
        var built = profile.ToProfile("mine");
        Assert.Equal(("w1h_total", "r_total"), (built.Tokens[TokenType.CacheWrite1h].Metric, built.Tokens[TokenType.Reasoning].Metric));
        Assert.Empty(profile.Problems("mine"));
        var orphan = new CustomProfile { Input = "in_total", Output = "out_total", CacheWrite1h = "w1h_total", Labels = { ["model"] = "model" } };
        Assert.Contains("Prometheus:Profiles:mine:CacheWrite1h counts a subset of the cache writes: name the CacheWrite metric too.", orphan.Problems("mine"));
    }
}
