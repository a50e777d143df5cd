using System.ComponentModel;

namespace CostConsole.Features.Pricing;

// The price API's request and response bodies (camelCase on the wire). Request fields are text so the validators word
// their own messages; numbers are accepted as written.

/// <summary>A new price entry, or the fields of a correction.</summary>
public sealed record PriceWriteBody(
    [property: Description("The model id, or re:<regex> for a family of models.")] string? Model,
    [property: Description("The first hour the price is in force, UTC (ISO 8601, whole hour).")] string? EffectiveFrom,
    [property: Description("USD per 1M input tokens (a number or a string).")] string? Input,
    [property: Description("USD per 1M output tokens.")] string? Output,
    [property: Description("USD per 1M cached input tokens; empty: billed as input.")] string? CachedInput,
    [property: Description("USD per 1M cache-write tokens; empty: billed as input.")] string? CacheWrite,
    [property: Description("Why the price changes (kept in the audit log).")] string? Reason,
    [property: Description("The model's stamp as read from GET /api/v1/prices, so a concurrent change is not overwritten.")] string? Stamp,
    [property: Description("True to save despite the confirmations the check asked for.")] bool Confirm,
    [property: Description("For a correction: the entry's version as read.")] int? Version,
    [property: Description("The price variant (a service or context tier a label selects, e.g. flex); empty: the base price.")] string? Variant = null,
    [property: Description("For a variant: a multiple of the base entry in force (e.g. 0.5), instead of its own prices.")] string? Multiplier = null,
    [property: Description("USD per 1M cache writes kept an hour; empty: at the cache-write price.")] string? CacheWrite1h = null)
{
    public PriceDraft Draft => new(Model, EffectiveFrom, Input, Output, CachedInput, CacheWrite, Variant, Multiplier, CacheWrite1h);
}

/// <summary>A draft to check and preview without saving: a new entry, a correction of <see cref="Id"/>, or a retirement.</summary>
public sealed record PricePreviewBody(
    string? Model,
    string? EffectiveFrom,
    string? Input,
    string? Output,
    string? CachedInput,
    string? CacheWrite,
    [property: Description("The entry being corrected, if any.")] int? Id,
    [property: Description("True to preview retiring the model's price from effectiveFrom.")] bool Retire,
    string? Variant = null,
    string? Multiplier = null,
    string? CacheWrite1h = null)
{
    public PriceDraft Draft => new(Model, EffectiveFrom, Input, Output, CachedInput, CacheWrite, Variant, Multiplier, CacheWrite1h);
}

/// <summary>Ends a model's (or pattern's) price from an hour on.</summary>
public sealed record PriceRetireBody(string? Model, string? EffectiveFrom, string? Reason, string? Stamp);

public sealed record PriceEntryJson(string Model, DateTime EffectiveFrom, bool Retired, decimal? Input, decimal? CachedInput, decimal? CacheWrite, decimal? Output,
    [property: Description("The price variant (\"\" for the base price).")] string Variant = "",
    [property: Description("For a variant priced as a multiple of the base entry in force; its own prices are then null.")] decimal? Multiplier = null,
    [property: Description("USD per 1M cache writes kept an hour; null: at the cache-write price.")] decimal? CacheWrite1h = null)
{
    public static PriceEntryJson Of(PriceEntry e) => e.Multiplier is { } m
        ? new(e.Model, e.EffectiveFrom.UtcDateTime, e.Retired, null, null, null, null, e.Variant, m)
        : new(e.Model, e.EffectiveFrom.UtcDateTime, e.Retired, e.Retired ? null : e.InputPerMTok, e.CachedInputPerMTok, e.CacheWritePerMTok, e.Retired ? null : e.OutputPerMTok, e.Variant,
            CacheWrite1h: e.CacheWrite1hPerMTok);
}

public sealed record StoredPriceJson(int Id, int Version, PriceEntryJson Entry, DateTime CreatedUtc, string CreatedBy, DateTime? UpdatedUtc, string? UpdatedBy)
{
    public static StoredPriceJson Of(StoredPrice p) => new(p.Id, p.Version, PriceEntryJson.Of(p.Entry), p.CreatedUtc.UtcDateTime, p.CreatedBy, p.UpdatedUtc?.UtcDateTime, p.UpdatedBy);
}

/// <summary>A model and its stamp (send it back with a change to that model).</summary>
public sealed record ModelStampJson(string Model, string Stamp);

public sealed record PriceListJson(IReadOnlyList<ModelStampJson> Models, IReadOnlyList<StoredPriceJson> Entries);

public sealed record PriceAuditJson(DateTime At, string Actor, string Action, string Model, int? PriceId, string? Before, string? After, string? Reason);

public sealed record PriceCheckJson(bool Valid, IReadOnlyList<string> Errors, IReadOnlyList<string> Confirmations, IReadOnlyList<string> Warnings, IReadOnlyList<string> Catches)
{
    public static PriceCheckJson Of(PriceCheck c) => new(c.Valid, c.Errors, c.Confirmations, c.Warnings, c.Catches);
}

public sealed record FeatureImpactJson(string Feature, decimal BeforeUsd, decimal AfterUsd);

public sealed record ImpactWindowJson(string Label, DateTime From, DateTime To, decimal BeforeUsd, decimal AfterUsd, decimal? ChangePercent,
    long UnpricedTokensBefore, long UnpricedTokensAfter, IReadOnlyList<FeatureImpactJson> Features);

public sealed record PriceImpactJson(IReadOnlyList<string> Models, DateTime? LedgerThrough, IReadOnlyList<ImpactWindowJson> Windows)
{
    public static PriceImpactJson Of(PriceImpactResult r) => new(
        r.Models,
        r.LedgerThrough?.UtcDateTime,
        [.. r.Windows.Select(w => new ImpactWindowJson(
            w.Label, w.From.UtcDateTime, w.To.UtcDateTime, decimal.Round(w.Before, 6), decimal.Round(w.After, 6),
            w.ChangePercent is { } p ? decimal.Round(p, 2) : null, w.UnpricedBefore, w.UnpricedAfter,
            [.. w.Features.Select(f => new FeatureImpactJson(f.Feature, decimal.Round(f.Before, 6), decimal.Round(f.After, 6)))]))]);
}

/// <summary>What a draft would do: the check, and the cost of recent windows with the prices as they are and as they would be.</summary>
public sealed record PricePreviewJson(PriceCheckJson Check, PriceImpactJson? Impact);

/// <summary>
/// The outcome of a write. Not saved: <c>conflict</c> (409, someone changed the model meanwhile), <c>needsConfirmation</c>
/// (422, send again with confirm: true) or the problems in <c>detail</c> (400).
/// </summary>
public sealed record PriceChangeJson(bool Saved, string? Conflict, bool NeedsConfirmation, string? Detail, PriceCheckJson Check);

public sealed record ImportItemJson(string Kind, PriceEntryJson Entry, PriceEntryJson? Current);

public sealed record PriceImportJson(int Written, bool DryRun, int Adds, int Changes, int Unchanged, IReadOnlyList<string> Notes, IReadOnlyList<string> Problems, IReadOnlyList<ImportItemJson> Items);
