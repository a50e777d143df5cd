namespace CostConsole.Features.Pricing;

/// <summary>A stored price entry. Dollars are never stored for usage, only these prices.</summary>
public sealed class PriceRecord
{
    public const int MaxModelLength = PriceValidation.MaxModelLength;

    public int Id { get; set; }
    public required string Model { get; set; }
    public DateTimeOffset EffectiveFromUtc { get; set; }
    public decimal InputPerMTok { get; set; }
    public decimal OutputPerMTok { get; set; }
    public decimal? CachedInputPerMTok { get; set; }
    public decimal? CacheWritePerMTok { get; set; }
    /// <summary>1-hour cache writes; null: at the cache-write price.</summary>
    public decimal? CacheWrite1hPerMTok { get; set; }
    /// <summary>A retirement: from this hour the model has no price of its own.</summary>
    public bool Retired { get; set; }
    /// <summary>The price variant (a service or context tier) this entry prices; "" for the base price.</summary>
    public string Variant { get; set; } = "";
    /// <summary>A variant priced as this multiple of the base entry in force (its own prices then unused).</summary>
    public decimal? Multiplier { get; set; }
    public DateTimeOffset CreatedUtc { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset? UpdatedUtc { get; set; }
    public string? UpdatedBy { get; set; }
    /// <summary>Raised by every correction; a save that read an older version is refused (optimistic concurrency).</summary>
    public int Version { get; set; }

    public PriceEntry ToEntry() => new(Model, EffectiveFromUtc, InputPerMTok, OutputPerMTok, CachedInputPerMTok, CacheWritePerMTok, Retired, Variant, Multiplier, CacheWrite1hPerMTok);

    public void CopyFrom(PriceEntry entry)
    {
        Model = entry.Model;
        EffectiveFromUtc = entry.EffectiveFrom;
        InputPerMTok = entry.InputPerMTok;
        OutputPerMTok = entry.OutputPerMTok;
        CachedInputPerMTok = entry.CachedInputPerMTok;
        CacheWritePerMTok = entry.CacheWritePerMTok;
        Retired = entry.Retired;
        Variant = entry.Variant;
        Multiplier = entry.Multiplier;
        CacheWrite1hPerMTok = entry.CacheWrite1hPerMTok;
    }
}

public enum PriceAction
{
    Added,
    Corrected,
    Retired,
    Imported,
}

/// <summary>One change to the price list: who, when, what it was before and after, and why. Never edited or deleted.</summary>
public sealed class PriceAudit
{
    public const int MaxReasonLength = 500;

    public long Id { get; set; }
    public DateTimeOffset AtUtc { get; set; }
    public required string Actor { get; set; }
    public PriceAction Action { get; set; }
    public required string Model { get; set; }
    public int? PriceId { get; set; }
    /// <summary>The entry before the change, as words ("" for an addition).</summary>
    public string Before { get; set; } = "";
    public string After { get; set; } = "";
    public string Reason { get; set; } = "";
}

public enum PriceEditMode
{
    Add,
    Correct,
    Retire,
}
