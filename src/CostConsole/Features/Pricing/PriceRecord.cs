namespace CostConsole.Features.Pricing;

/// <summary>A stored price entry. Dollars are never stored for usage, only these prices.</summary>
public sealed class PriceRecord
{
    public const int MaxModelLength = 200;

    public int Id { get; set; }
    public required string Model { get; set; }
    public DateTimeOffset EffectiveFromUtc { get; set; }
    public decimal InputPerMTok { get; set; }
    public decimal OutputPerMTok { get; set; }
    public decimal? CachedInputPerMTok { get; set; }
    public decimal? CacheWritePerMTok { get; set; }
    public DateTimeOffset CreatedUtc { get; set; }
    public string CreatedBy { get; set; } = "";

    public PriceEntry ToEntry() => new(Model, EffectiveFromUtc, InputPerMTok, OutputPerMTok, CachedInputPerMTok, CacheWritePerMTok);
}
