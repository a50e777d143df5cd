using System.Globalization;
using CostConsole.Core.Ledger;
using CostConsole.Core.Metrics;
using CostConsole.Core.Currency;
using CostConsole.Core.Pricing;

namespace CostConsole.Core.Spend;

/// <summary>What the fold made of a window's cells: rows in the requested grouping, their totals, and what has no price.</summary>
public sealed record SpendFoldResult(IReadOnlyList<SpendRow> Rows, SpendFigures Totals, IReadOnlyList<string> UnpricedModels)
{
    /// <summary>(model, variant) pairs whose variant has no price entry: their tokens were priced at the model's base price.</summary>
    public IReadOnlyList<(string Model, string Variant)> VariantsAsBase { get; init; } = [];

    /// <summary>Models whose 1-hour cache writes were priced at the (5-minute) cache-write price: their entry has no 1-hour price.</summary>
    public IReadOnlyList<string> Writes1hAtWritePrice { get; init; } = [];

    /// <summary>UTC days with cost but no exchange rate for the display currency.</summary>
    public IReadOnlyList<DateOnly> MissingRateDays { get; init; } = [];

    /// <summary>The exchange rates the conversion used.</summary>
    public IReadOnlyList<ExchangeRate> RatesUsed { get; init; } = [];

    public string? Writes1hWarning => Writes1hAtWritePrice.Count == 0
        ? null
        : $"1-hour cache writes of {string.Join(", ", Writes1hAtWritePrice.Select(SpendDimension.Display))} are priced at the 5-minute cache-write price: their entry has no 1-hour cache-write price (Anthropic bills 2× input).";

    /// <summary>The call-out for tokens of a variant priced as the base, or null when every variant has its price.</summary>
    public string? VariantWarning => VariantsAsBase.Count == 0
        ? null
        : string.Join(" ", VariantsAsBase.GroupBy(v => v.Variant).Select(g =>
            $"Variant “{SpendDimension.Display(g.Key)}” has no price for {string.Join(", ", g.Select(v => SpendDimension.Display(v.Model)))}: priced as the base (standard) price."))
          + " Add a variant entry (its own prices or a multiplier of the base) to price it as billed.";

    /// <summary>The call-out for tokens without a price, or null when every token is priced.</summary>
    public string? UnpricedWarning => UnpricedModels.Count == 0
        ? null
        : $"{Totals.UnpricedTokens:N0} tokens have no price in force and are not in the cost: {string.Join(", ", UnpricedModels.Select(SpendDimension.Display))}. Add a price to include them.";
}

/// <summary>
/// The spend fold: ledger cells priced hour by hour with the prices in force then, folded into the request's
/// grouping. Pure: the cells, the price book and who owns which feature come in; nothing is read or written.
/// <list type="bullet">
/// <item>A cell's team is its own label where it has one, else the owner of its feature, else "unassigned".</item>
/// <item>Each (hour, model, dimension set) is priced once with <see cref="CostFormula"/>; tokens without a price in
/// force are counted as unpriced, never as $0.</item>
/// <item>With <see cref="SpendRequest.RepriceAt"/>, every hour is priced with the prices of that instant where the
/// model had one then (the volume/price split of a period comparison).</item>
/// <item>Rows are ordered by cost, then unpriced tokens, then keys (ordinal), so equal views read the same.</item>
/// </list>
/// </summary>
public static class SpendFold
{
    public static readonly IReadOnlyList<string> GroupKeys = [.. SpendDimension.All, "day", "hour"];

    public static SpendFoldResult Fold(
        IEnumerable<LedgerCell> cells,
        PriceBook book,
        IReadOnlyDictionary<string, string> featureOwners,
        SpendRequest request,
        CacheInclusion inputIncludes,
        ExchangeRates? rates = null)
    {
        var unknown = request.GroupBy.FirstOrDefault(k => !GroupKeys.Contains(k) && !request.Extras.Contains(k));
        if (unknown is not null)
        {
            throw new ArgumentException($"Unknown groupBy key '{unknown}'.", nameof(request));
        }

        string TeamOf(in Dimensions d) => d.Team.Length > 0 ? d.Team : featureOwners.GetValueOrDefault(d.Feature, Unassigned);
        var teamFilter = request.FilterOf(SpendDimension.Team) is { Count: > 0 } teams ? teams.ToHashSet(StringComparer.Ordinal) : null;

        // Tokens per (hour, dimension set with the team resolved): each such bucket is priced once.
        var buckets = new Dictionary<(long Hour, Dimensions Dims), (TokenCounts Tokens, long Requests, long GatewayMicroUsd)>();
        // Extra dimensions (configured per profile) live in one encoded column: decoded once per distinct value.
        var decoded = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string> ExtrasOf(string encoded) =>
            decoded.TryGetValue(encoded, out var values) ? values : decoded[encoded] = ExtraValues.Decode(encoded);
        var extraFilters = request.Extras.Where(e => request.FilterOf(e).Count > 0).Select(e => (Name: e, Values: request.FilterOf(e).ToHashSet(StringComparer.Ordinal))).ToList();
        // Cells are bucketed by what this view shows or prices by: the model (prices are per model), the grouped
        // dimensions and those a filter here needs; the rest is blanked, so a total over 5,000 sets prices a few buckets.
        // Cost is linear in tokens and exact in decimals, so pricing the sum equals summing the prices.
        var grouped = request.GroupBy.ToHashSet(StringComparer.Ordinal);
        var (keepProvider, keepFeature, keepOperation, keepOutcome) = (grouped.Contains(SpendDimension.Provider), grouped.Contains(SpendDimension.Feature), grouped.Contains(SpendDimension.Operation), grouped.Contains(SpendDimension.Outcome));
        var keepTeam = grouped.Contains(SpendDimension.Team) || teamFilter is not null;
        var keepExtra = request.Extras.Any(grouped.Contains) || extraFilters.Count > 0;
        // The variant always stays: it selects the price.
        foreach (var cell in cells)
        {
            var team = keepTeam ? TeamOf(cell.Dims) : "";
            if (teamFilter is not null && !teamFilter.Contains(team))
            {
                continue;
            }

            var d = cell.Dims;
            var dims = new Dimensions(d.Model, keepProvider ? d.Provider : "", keepFeature ? d.Feature : "", team, keepOperation ? d.Operation : "", keepOutcome ? d.Outcome : "", keepExtra ? d.Extra : "", d.Variant);
            if (extraFilters.Count > 0 && extraFilters.Any(f => !f.Values.Contains(ExtrasOf(dims.Extra).GetValueOrDefault(f.Name, ""))))
            {
                continue;
            }

            var key = (cell.Hour, dims);
            var (tokens, requests, gateway) = buckets.GetValueOrDefault(key);
            buckets[key] = cell.Type switch
            {
                TokenType.Input => (tokens + new TokenCounts(cell.Tokens, 0, 0, 0), requests, gateway),
                TokenType.CachedInput => (tokens + new TokenCounts(0, cell.Tokens, 0, 0), requests, gateway),
                TokenType.CacheWrite => (tokens + new TokenCounts(0, 0, cell.Tokens, 0), requests, gateway),
                TokenType.Output => (tokens + new TokenCounts(0, 0, 0, cell.Tokens), requests, gateway),
                TokenType.CacheWrite1h => (tokens + new TokenCounts(0, 0, 0, 0, CacheWrite1h: cell.Tokens), requests, gateway),
                TokenType.Reasoning => (tokens + new TokenCounts(0, 0, 0, 0, Reasoning: cell.Tokens), requests, gateway),
                TokenType.Requests => (tokens, requests + cell.Tokens, gateway),
                TokenType.GatewayCost => (tokens, requests, gateway + cell.Tokens),
                _ => (tokens, requests, gateway),
            };
        }

        var groups = new Dictionary<string, (string[] Keys, SpendFigures Figures)>(StringComparer.Ordinal);
        var totals = SpendFigures.Zero;
        var unpricedModels = new SortedSet<string>(StringComparer.Ordinal);
        var variantsAsBase = new SortedSet<(string, string)>();
        var writes1hAtWritePrice = new SortedSet<string>(StringComparer.Ordinal);
        // Each hour's cost converted at the rate in force on its UTC day (the latest published on or before it).
        var convert = request.Currency != Currencies.Billing;
        var missingDays = new SortedSet<DateOnly>();
        var used = new Dictionary<(string, DateOnly), ExchangeRate>();
        foreach (var ((hourUnix, dims), (tokens, requests, gatewayMicroUsd)) in buckets)
        {
            // A span read as a month less the days outside it nets to nothing for a set seen only on those days.
            if (tokens == default && requests == 0 && gatewayMicroUsd == 0) continue;

            var hour = DateTimeOffset.FromUnixTimeSeconds(hourUnix);
            var pricedAt = request.RepriceAt is { } at && book.PriceFor(dims.Model, dims.Variant, at).Price is not null ? at : hour;
            var cost = CostFormula.CostAt(book, dims.Model, pricedAt, tokens, inputIncludes, dims.Variant);
            if (cost.VariantAsBase) variantsAsBase.Add((dims.Model, dims.Variant));
            if (tokens.CacheWrite1h > 0 && cost.Price is { CacheWrite1hPerMTok: null }) writes1hAtWritePrice.Add(dims.Model);
            var billable = tokens.Billable(inputIncludes);
            var unpriced = cost.Priced ? 0 : billable;
            if (unpriced > 0) unpricedModels.Add(dims.Model);
            var savings = cost.Price is { CachedInputPerMTok: { } cachedPrice } price
                ? tokens.CachedInput * (price.InputPerMTok - cachedPrice) / 1_000_000m
                : 0m;

            var keys = new string[request.GroupBy.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = request.Extras.Contains(request.GroupBy[i])
                    ? ExtrasOf(dims.Extra).GetValueOrDefault(request.GroupBy[i], "")
                    : KeyOf(request.GroupBy[i], dims, hour, request.TimeZone);
            }

            var id = string.Join('\u001f', keys);
            var current = groups.TryGetValue(id, out var existing) ? existing.Figures : SpendFigures.Zero;
            var gateway = gatewayMicroUsd / 1_000_000m;
            var (converted, unconverted) = (cost.CostUsd, 0m);
            if (convert)
            {
                var day = DateOnly.FromDateTime(hour.UtcDateTime);
                if ((rates ?? ExchangeRates.None).On(request.Currency, day) is { } rate)
                {
                    converted = cost.CostUsd * rate.UnitsPerUsd;
                    used[(rate.Currency, rate.Day)] = rate;
                }
                else
                {
                    (converted, unconverted) = (0m, cost.CostUsd);
                    if (cost.CostUsd != 0) missingDays.Add(day);
                }
            }

            groups[id] = (keys, current.Add(tokens, cost.CostUsd, unpriced, requests, savings, billable, gateway, converted, unconverted));
            totals = totals.Add(tokens, cost.CostUsd, unpriced, requests, savings, billable, gateway, converted, unconverted);
        }

        var rows = groups.Values
            .OrderByDescending(g => g.Figures.CostUsd).ThenByDescending(g => g.Figures.UnpricedTokens)
            .ThenBy(g => string.Join('\u001f', g.Keys), StringComparer.Ordinal)
            .Select(g => new SpendRow(g.Keys, g.Figures))
            .ToList();
        return new SpendFoldResult(rows, totals, [.. unpricedModels])
        {
            VariantsAsBase = [.. variantsAsBase], Writes1hAtWritePrice = [.. writes1hAtWritePrice],
            MissingRateDays = [.. missingDays], RatesUsed = [.. used.Values.OrderBy(r => r.Day)],
        };
    }

    /// <summary>The team of a feature nobody owns (and whose series carry no team label).</summary>
    public const string Unassigned = "unassigned";

    private static string KeyOf(string groupBy, in Dimensions dims, DateTimeOffset hour, TimeZoneInfo zone) => groupBy switch
    {
        SpendDimension.Feature => dims.Feature,
        SpendDimension.Model => dims.Model,
        SpendDimension.Team => dims.Team,
        SpendDimension.Provider => dims.Provider,
        SpendDimension.Operation => dims.Operation,
        SpendDimension.Outcome => dims.Outcome,
        SpendDimension.Variant => dims.Variant,
        "day" => TimeZoneInfo.ConvertTime(hour, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => hour.UtcDateTime.ToString("yyyy-MM-ddTHH:00:00Z", CultureInfo.InvariantCulture),
    };
}
