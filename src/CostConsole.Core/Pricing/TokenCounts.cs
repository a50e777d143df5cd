namespace CostConsole.Core.Pricing;

/// <summary>Token counts of one kind of usage. Cached and cache-write tokens are a subset of input when the profile says so.</summary>
public readonly record struct TokenCounts(long Input, long CachedInput, long CacheWrite, long Output)
{
    /// <summary>Tokens that are billed, counted once: input (cached included when the profile says so) and output.</summary>
    public long Billable(bool inputIncludesCached) => Input + Output + (inputIncludesCached ? 0 : CachedInput + CacheWrite);

    public static TokenCounts operator +(TokenCounts a, TokenCounts b) =>
        new(a.Input + b.Input, a.CachedInput + b.CachedInput, a.CacheWrite + b.CacheWrite, a.Output + b.Output);
}
