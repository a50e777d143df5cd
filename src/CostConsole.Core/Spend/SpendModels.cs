using CostConsole.Core.Currency;
using CostConsole.Core.Pricing;

namespace CostConsole.Core.Spend;

/// <summary>The dimensions spend can be grouped and filtered by.</summary>
public static class SpendDimension
{
    public const string Feature = "feature";
    public const string Model = "model";
    public const string Team = "team";
    public const string Provider = "provider";
    public const string Operation = "operation";
    public const string Outcome = "outcome";

    /// <summary>The price variant a label selects (a service tier such as flex or batch, a context tier): "" is the base price.</summary>
    public const string Variant = "variant";

    public static IReadOnlyList<string> All { get; } = [Feature, Model, Team, Provider, Operation, Outcome, Variant];

    public static string Title(string dimension) => dimension switch
    {
        "day" => "Day",
        "hour" => "Hour",
        _ => (char.ToUpperInvariant(dimension[0]) + dimension[1..]).Replace('_', ' '),
    };

    /// <summary>How an empty dimension value reads: the series did not carry that label.</summary>
    public static string Display(string value) => value.Length == 0 ? "(not labelled)" : value;
}

/// <summary>
/// One spend view: a window of whole UTC hours, a grouping, filters by dimension (values OR-ed within a dimension,
/// AND-ed across), the time zone whose calendar days "day" means, and optionally one instant whose prices are used
/// for every hour (to separate volume from price when comparing periods).
/// </summary>
public sealed record SpendRequest(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string> GroupBy)
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoFilters = new Dictionary<string, IReadOnlyList<string>>();

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Filters { get; init; } = NoFilters;

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    public DateTimeOffset? RepriceAt { get; init; }

    /// <summary>The currency money is shown in (ISO 4217); USD, the billing currency, converts nothing.</summary>
    public string Currency { get; init; } = Currencies.Billing;

    /// <summary>The extra dimensions (the profile's) this request may group and filter by, besides <see cref="SpendDimension.All"/>.</summary>
    public IReadOnlyList<string> Extras { get; init; } = [];

    public IReadOnlyList<string> FilterOf(string dimension) => Filters.TryGetValue(dimension, out var values) ? values : [];

    public SpendRequest WithFilter(string dimension, IReadOnlyList<string> values)
    {
        var filters = Filters.Where(f => f.Key != dimension && f.Value.Count > 0).ToDictionary(f => f.Key, f => f.Value);
        if (values.Count > 0) filters[dimension] = values;
        return this with { Filters = filters };
    }

    /// <summary>Identifies the view for sharing one computation between everyone looking at it.</summary>
    public string Key
    {
        get
        {
            var key = new System.Text.StringBuilder()
                .Append(From.ToUnixTimeSeconds()).Append('|').Append(To.ToUnixTimeSeconds()).Append('|')
                .AppendJoin(',', GroupBy).Append('|').Append(TimeZone.Id).Append('|').Append(RepriceAt?.ToUnixTimeSeconds()).Append('|').Append(Currency);
            foreach (var (dimension, values) in Filters.Where(f => f.Value.Count > 0).OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                key.Append('|').Append(dimension).Append('=').AppendJoin('\u001f', values.Order(StringComparer.Ordinal));
            }

            return key.ToString();
        }
    }
}

/// <summary>
/// Tokens by type, requests, cost, unpriced tokens and what cached tokens saved, for one row or a total.
/// <see cref="BillableTokens"/> counts each billed token once (cached input sits inside input where the profile says so).
/// </summary>
public sealed record SpendFigures(
    long InputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    long OutputTokens,
    decimal CostUsd,
    long UnpricedTokens,
    long Requests = 0,
    decimal CachedSavingsUsd = 0m,
    long BillableTokens = 0,
    // What the gateway itself reported spending (bifrost_cost_total, litellm_spend_metric_total), for reconciliation.
    decimal GatewayCostUsd = 0m,
    // Subsets: cache writes kept an hour (of CacheWriteTokens), reasoning tokens (of OutputTokens).
    long CacheWrite1hTokens = 0,
    long ReasoningTokens = 0,
    // In a display currency (SpendRequest.Currency): the cost converted at each day's rate, and the USD of days with no rate.
    decimal Converted = 0m,
    decimal UnconvertedUsd = 0m)
{
    /// <summary>The share of output that was reasoning, or null without output.</summary>
    public decimal? ReasoningShare => OutputTokens > 0 ? (decimal)ReasoningTokens / OutputTokens : null;

    public static SpendFigures Zero { get; } = new(0, 0, 0, 0, 0m, 0);

    /// <summary>Null where no request counter exists: "no requests counted" is not "free per request".</summary>
    public decimal? CostPer1KRequests => Requests > 0 ? CostUsd / Requests * 1000m : null;

    /// <summary>The same in the display currency (<see cref="Converted"/>).</summary>
    public decimal? ConvertedPer1KRequests => Requests > 0 ? Converted / Requests * 1000m : null;

    public SpendFigures Plus(SpendFigures other) =>
        new(InputTokens + other.InputTokens, CachedInputTokens + other.CachedInputTokens, CacheWriteTokens + other.CacheWriteTokens, OutputTokens + other.OutputTokens,
            CostUsd + other.CostUsd, UnpricedTokens + other.UnpricedTokens, Requests + other.Requests, CachedSavingsUsd + other.CachedSavingsUsd,
            BillableTokens + other.BillableTokens, GatewayCostUsd + other.GatewayCostUsd, CacheWrite1hTokens + other.CacheWrite1hTokens, ReasoningTokens + other.ReasoningTokens,
            Converted + other.Converted, UnconvertedUsd + other.UnconvertedUsd);

    public SpendFigures Add(TokenCounts tokens, decimal cost, long unpriced, long requests = 0, decimal savings = 0m, long billable = 0, decimal gateway = 0m, decimal converted = 0m, decimal unconverted = 0m) =>
        new(InputTokens + tokens.Input, CachedInputTokens + tokens.CachedInput, CacheWriteTokens + tokens.CacheWrite, OutputTokens + tokens.Output,
            CostUsd + cost, UnpricedTokens + unpriced, Requests + requests, CachedSavingsUsd + savings, BillableTokens + billable, GatewayCostUsd + gateway,
            CacheWrite1hTokens + tokens.CacheWrite1h, ReasoningTokens + tokens.Reasoning, Converted + converted, UnconvertedUsd + unconverted);
}

public sealed record SpendRow(IReadOnlyList<string> Keys, SpendFigures Figures);

/// <summary>
/// One page of rows in their order, and the exact sum of every row not on it: pages show the top N and a "N more"
/// row whose figures, added to the shown ones, give the totals to the last token and cent.
/// </summary>
public sealed record RowPage(IReadOnlyList<SpendRow> Shown, int Offset, int TotalRows, SpendFigures Rest)
{
    public int RestRows => TotalRows - Shown.Count;

    public bool HasNext => Offset + Shown.Count < TotalRows;

    public static RowPage Of(IReadOnlyList<SpendRow> ordered, int offset, int size)
    {
        offset = Math.Clamp(offset, 0, Math.Max(0, ordered.Count - 1));
        var end = Math.Min(ordered.Count, offset + size);
        var rest = SpendFigures.Zero;
        for (var i = 0; i < ordered.Count; i++)
        {
            if (i < offset || i >= end) rest = rest.Plus(ordered[i].Figures);
        }

        return new RowPage([.. ordered.Skip(offset).Take(end - offset)], offset, ordered.Count, rest);
    }
}

public sealed record SpendResult(
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<SpendRow> Rows,
    SpendFigures Totals,
    DateTimeOffset? LedgerThrough,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Models with tokens but no price in force, for the "add a price" call-out.</summary>
    public IReadOnlyList<string> UnpricedModels { get; init; } = [];

    /// <summary>(model, variant) pairs whose variant has no entry and was priced as the base, for the "price this variant" call-out.</summary>
    public IReadOnlyList<(string Model, string Variant)> VariantsAsBase { get; init; } = [];

    /// <summary>The display currency of <see cref="SpendFigures.Converted"/> (USD: nothing converted).</summary>
    public string Currency { get; init; } = Currencies.Billing;

    /// <summary>UTC days with cost but no rate in force for <see cref="Currency"/>: their cost is in UnconvertedUsd, never shown as converted.</summary>
    public IReadOnlyList<DateOnly> MissingRateDays { get; init; } = [];

    /// <summary>The rates used, one per distinct rate: (its day, units per USD).</summary>
    public IReadOnlyList<ExchangeRate> RatesUsed { get; init; } = [];

    /// <summary>True when part of the window could not be read (the open hour from Prometheus): figures are a floor.</summary>
    public bool Incomplete { get; init; }

    /// <summary>The first hour the ledger holds: a window before it has no data, which is not the same as no spend.</summary>
    public DateTimeOffset? LedgerFrom { get; init; }

    /// <summary>The window starts before the ledger's first hour: the hours before it are not known, which is not zero.</summary>
    public bool StartsBeforeLedger => LedgerFrom is { } first && From < first && To > first;

    /// <summary>True when no figure of the window could be known: nothing ingested in it and nothing live.</summary>
    public bool NoData => LedgerThrough is null || (LedgerFrom is { } first && To <= first) || (From >= LedgerThrough && (LiveSince is null || Incomplete));

    /// <summary>Where the live part came from, e.g. "live since 14:00 UTC", or null when the window is all ledger.</summary>
    public DateTimeOffset? LiveSince { get; init; }
}
