using CostConsole.Core.Metrics;

namespace CostConsole.Core.Pricing;

/// <summary>Token counts of one kind of usage. Cached and cache-write tokens are a subset of input when the profile says so.</summary>
public readonly record struct TokenCounts(long Input, long CachedInput, long CacheWrite, long Output)
{
    /// <summary>Tokens that are billed, counted once: input (cache reads and writes included when the profile says so) and output.</summary>
    public long Billable(CacheInclusion inputIncludes) =>
        Input + Output + (inputIncludes.Reads ? 0 : CachedInput) + (inputIncludes.Writes ? 0 : CacheWrite);

    /// <summary>Input tokens billed at the full input price: those not read from or written to the cache.</summary>
    public long PlainInput(CacheInclusion inputIncludes) =>
        Input - (inputIncludes.Reads ? CachedInput : 0) - (inputIncludes.Writes ? CacheWrite : 0);

    public static TokenCounts operator +(TokenCounts a, TokenCounts b) =>
        new(a.Input + b.Input, a.CachedInput + b.CachedInput, a.CacheWrite + b.CacheWrite, a.Output + b.Output);
}
