namespace CostConsole.Core.Pricing;

/// <summary>
/// One price entry: USD per 1M tokens for a model (an exact id, or <c>re:&lt;regex&gt;</c>), in force from an hour (UTC)
/// until the next entry for the same model. A null cached or cache-write price means "not billed separately":
/// those tokens cost the input price. A retirement ends the model's (or pattern's) price from its hour on: after it
/// the model is priced as if it had no entry of its own (a pattern may still cover it), else its tokens are unpriced.
/// </summary>
public sealed record PriceEntry(
    string Model,
    DateTimeOffset EffectiveFrom,
    decimal InputPerMTok,
    decimal OutputPerMTok,
    decimal? CachedInputPerMTok = null,
    decimal? CacheWritePerMTok = null,
    bool Retired = false)
{
    public static PriceEntry Retirement(string model, DateTimeOffset from) => new(model, from, 0m, 0m, Retired: true);

    /// <summary>The price of each token type as billed: cached and cache-write fall back to the input price.</summary>
    public decimal EffectiveCachedInput => CachedInputPerMTok ?? InputPerMTok;

    public decimal EffectiveCacheWrite => CacheWritePerMTok ?? InputPerMTok;

    public const string PatternPrefix = "re:";

    public bool IsPattern => Model.StartsWith(PatternPrefix, StringComparison.Ordinal);

    public string Pattern => IsPattern ? Model[PatternPrefix.Length..] : Model;
}
