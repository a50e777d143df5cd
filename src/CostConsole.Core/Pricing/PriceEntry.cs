namespace CostConsole.Core.Pricing;

/// <summary>
/// One price entry: USD per 1M tokens for a model (an exact id, or <c>re:&lt;regex&gt;</c>), in force from an hour (UTC)
/// until the next entry for the same model. A null cached or cache-write price means "not billed separately":
/// those tokens cost the input price. A retirement ends the model's (or pattern's) price from its hour on: after it
/// the model is priced as if it had no entry of its own (a pattern may still cover it), else its tokens are unpriced.
/// <para>
/// <see cref="Variant"/> ("" for the base price) names a price variant a label selects: a service tier (flex, batch,
/// priority), a context tier. A variant entry has its own prices, or a <see cref="Multiplier"/> of the base entry in
/// force in each hour (then its own prices are 0 and unused). Variants start and end on their own dates.
/// </para>
/// </summary>
public sealed record PriceEntry(
    string Model,
    DateTimeOffset EffectiveFrom,
    decimal InputPerMTok,
    decimal OutputPerMTok,
    decimal? CachedInputPerMTok = null,
    decimal? CacheWritePerMTok = null,
    bool Retired = false,
    string Variant = "",
    decimal? Multiplier = null,
    decimal? CacheWrite1hPerMTok = null)
{
    public static PriceEntry Retirement(string model, DateTimeOffset from, string variant = "") => new(model, from, 0m, 0m, Retired: true, Variant: variant);

    /// <summary>Variant values that mean the base price: none, and the names services give their standard tier.</summary>
    public static readonly IReadOnlySet<string> BaseVariants = new HashSet<string>(StringComparer.Ordinal) { "", "default", "standard" };

    public bool IsBase => Variant.Length == 0;

    /// <summary>This variant's prices in an hour whose base entry is <paramref name="basePrice"/> (a multiplier variant scales it).</summary>
    public PriceEntry Over(PriceEntry basePrice) => Multiplier is not { } m ? this : this with
    {
        InputPerMTok = basePrice.InputPerMTok * m,
        OutputPerMTok = basePrice.OutputPerMTok * m,
        CachedInputPerMTok = basePrice.CachedInputPerMTok * m,
        CacheWritePerMTok = basePrice.CacheWritePerMTok * m,
        CacheWrite1hPerMTok = basePrice.CacheWrite1hPerMTok * m,
    };

    /// <summary>The price of each token type as billed: cached and cache-write fall back to the input price.</summary>
    public decimal EffectiveCachedInput => CachedInputPerMTok ?? InputPerMTok;

    public decimal EffectiveCacheWrite => CacheWritePerMTok ?? InputPerMTok;

    /// <summary>1-hour cache writes: their own price, else the (5-minute) cache-write price — the spend views say so.</summary>
    public decimal EffectiveCacheWrite1h => CacheWrite1hPerMTok ?? EffectiveCacheWrite;

    public const string PatternPrefix = "re:";

    public bool IsPattern => Model.StartsWith(PatternPrefix, StringComparison.Ordinal);

    public string Pattern => IsPattern ? Model[PatternPrefix.Length..] : Model;
}
