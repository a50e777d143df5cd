using CostConsole.Core.Metrics;

namespace CostConsole.Core.Pricing;

/// <summary>
/// Token counts of one kind of usage. Cached and cache-write tokens are a subset of input when the profile says so;
/// <see cref="CacheWrite1h"/> is always a subset of <see cref="CacheWrite"/> (the writes kept an hour; the rest are
/// 5-minute writes) and <see cref="Reasoning"/> always a subset of <see cref="Output"/>.
/// </summary>
public readonly record struct TokenCounts(long Input, long CachedInput, long CacheWrite, long Output, long CacheWrite1h = 0, long Reasoning = 0)
{
    /// <summary>Cache writes at the 5-minute price: every write not kept for an hour.</summary>
    public long CacheWrite5m => CacheWrite - CacheWrite1h;

    /// <summary>Tokens that are billed, counted once: input (cache reads and writes included when the profile says so) and output.</summary>
    public long Billable(CacheInclusion inputIncludes) =>
        Input + Output + (inputIncludes.Reads ? 0 : CachedInput) + (inputIncludes.Writes ? 0 : CacheWrite);

    /// <summary>Input tokens billed at the full input price: those not read from or written to the cache.</summary>
    public long PlainInput(CacheInclusion inputIncludes) =>
        Input - (inputIncludes.Reads ? CachedInput : 0) - (inputIncludes.Writes ? CacheWrite : 0);

    public static TokenCounts operator +(TokenCounts a, TokenCounts b) =>
        new(a.Input + b.Input, a.CachedInput + b.CachedInput, a.CacheWrite + b.CacheWrite, a.Output + b.Output, a.CacheWrite1h + b.CacheWrite1h, a.Reasoning + b.Reasoning);
}
