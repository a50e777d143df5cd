using CostConsole.Core.Metrics;

namespace CostConsole.Core.Pricing;

/// <summary>
/// Cost of some tokens in one hour: a price was found, or the tokens are unpriced (never a silent $0).
/// <see cref="VariantAsBase"/>: their variant has no entry, so they were priced at the base entry (and are flagged).
/// </summary>
public readonly record struct HourCost(decimal CostUsd, bool Priced, PriceEntry? Price, bool VariantAsBase = false);

/// <summary>The cost formula (README, Token ledger and cost), in decimal USD.</summary>
public static class CostFormula
{
    private const decimal PerMillion = 1_000_000m;

    /// <summary>
    /// cost = (input − cached − cache_write) × p_input + cached × p_cached + cache_write_5m × p_cache_write
    /// + cache_write_1h × p_cache_write_1h + output × p_output, where <paramref name="inputIncludes"/> says whether the
    /// input counter already contains the cache reads and the cache writes (each is taken out of input only when it is
    /// in it). The 1-hour writes are a subset of the writes; reasoning tokens are a subset of output and cost as output.
    /// </summary>
    public static decimal Cost(TokenCounts tokens, PriceEntry price, CacheInclusion inputIncludes) =>
        (tokens.PlainInput(inputIncludes) * price.InputPerMTok
         + tokens.CachedInput * price.EffectiveCachedInput
         + tokens.CacheWrite5m * price.EffectiveCacheWrite
         + tokens.CacheWrite1h * price.EffectiveCacheWrite1h
         + tokens.Output * price.OutputPerMTok) / PerMillion;

    public static HourCost CostAt(PriceBook prices, string model, DateTimeOffset hour, TokenCounts tokens, CacheInclusion inputIncludes, string variant = "")
    {
        var (price, asBase) = prices.PriceFor(model, variant, hour);
        return price is null ? new HourCost(0m, false, null) : new HourCost(Cost(tokens, price, inputIncludes), true, price, asBase);
    }
}
