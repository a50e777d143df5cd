namespace CostConsole.Core.Pricing;

/// <summary>Cost of some tokens in one hour: a price was found, or the tokens are unpriced (never a silent $0).</summary>
public readonly record struct HourCost(decimal CostUsd, bool Priced, PriceEntry? Price);

/// <summary>The cost formula (README, Token ledger and cost), in decimal USD.</summary>
public static class CostFormula
{
    private const decimal PerMillion = 1_000_000m;

    /// <summary>
    /// cost = (input − cached − cache_write) × p_input + cached × p_cached + cache_write × p_cache_write + output × p_output,
    /// where <paramref name="inputIncludesCached"/> says whether the input counter already contains the cached and
    /// cache-write tokens (then they are taken out of the input, else input is billed whole).
    /// </summary>
    public static decimal Cost(TokenCounts tokens, PriceEntry price, bool inputIncludesCached)
    {
        var plainInput = inputIncludesCached ? tokens.Input - tokens.CachedInput - tokens.CacheWrite : tokens.Input;
        return (plainInput * price.InputPerMTok
                + tokens.CachedInput * price.EffectiveCachedInput
                + tokens.CacheWrite * price.EffectiveCacheWrite
                + tokens.Output * price.OutputPerMTok) / PerMillion;
    }

    public static HourCost CostAt(PriceBook prices, string model, DateTimeOffset hour, TokenCounts tokens, bool inputIncludesCached)
    {
        var price = prices.PriceAt(model, hour);
        return price is null ? new HourCost(0m, false, null) : new HourCost(Cost(tokens, price, inputIncludesCached), true, price);
    }
}
