using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Serialization;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Spend;

/// <summary>The query string of a spend view (also the FOCUS export's). Every value is checked by <see cref="SpendApi.Parse"/>.</summary>
public readonly record struct SpendParameters(
    [property: FromQuery(Name = "from"), Description("Start, an ISO 8601 UTC hour such as 2026-11-01T00:00:00Z.")] string? From,
    [property: FromQuery(Name = "to"), Description("End (exclusive), an ISO 8601 UTC hour.")] string? To,
    [property: FromQuery(Name = "groupBy"), Description("Keys to group by, repeated or comma-separated: feature, model, team, provider, operation, outcome, day, hour.")] string[]? GroupBy,
    [property: FromQuery(Name = "feature"), Description("Only these features (repeat for several).")] string[]? Feature,
    [property: FromQuery(Name = "model")] string[]? Model,
    [property: FromQuery(Name = "team")] string[]? Team,
    [property: FromQuery(Name = "provider")] string[]? Provider,
    [property: FromQuery(Name = "operation")] string[]? Operation,
    [property: FromQuery(Name = "outcome")] string[]? Outcome,
    [property: FromQuery(Name = "variant"), Description("Price variant (service or context tier) the series' labels select; \"\" is the base price.")] string[]? Variant,
    [property: FromQuery(Name = "tz"), Description("IANA time zone whose calendar days \"day\" means (default UTC).")] string? Tz,
    [property: FromQuery(Name = "format"), Description("json (default) or csv.")] string? Format,
    [property: FromQuery(Name = "where"), Description("Filters on the profile's extra dimensions, name=value (repeat for several), e.g. api_key=billing-service.")] string[]? Where = null,
    [property: FromQuery(Name = "limit"), Description("At most this many rows (1 to 10000), largest cost first; totals stay over all rows. Omitted: every row.")] string? Limit = null,
    [property: FromQuery(Name = "cursor"), Description("The nextCursor of the previous page, to walk every row page by page.")] string? Cursor = null,
    [property: FromQuery(Name = "currency"), Description("ISO 4217 currency to show money in as well (cost converted at each UTC day's exchange rate); default USD, the billing currency.")] string? Currency = null)
{
    public string[]? FilterOf(string dimension) => dimension switch
    {
        SpendDimension.Feature => Feature,
        SpendDimension.Model => Model,
        SpendDimension.Team => Team,
        SpendDimension.Provider => Provider,
        SpendDimension.Operation => Operation,
        SpendDimension.Outcome => Outcome,
        SpendDimension.Variant => Variant,
        _ => null,
    };
}

/// <summary>
/// Tokens, requests and cost of a row or of the total. Money is USD, rounded to 6 decimals. cacheWrite1hTokens is the
/// part of cacheWriteTokens kept an hour; reasoningTokens the part of outputTokens that was reasoning.
/// </summary>
public record SpendFiguresJson(long InputTokens, long CachedInputTokens, long CacheWriteTokens, long OutputTokens, decimal CostUsd, long UnpricedTokens, long Requests, decimal CachedSavingsUsd)
{
    public long CacheWrite1hTokens { get; init; }

    public long ReasoningTokens { get; init; }

    /// <summary>With a display currency: the cost in it (each day at its rate), and the USD of days with no rate (left out of it).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? Cost { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? UnconvertedUsd { get; init; }

    public static SpendFiguresJson Of(SpendFigures f, bool converted = false) => new(f.InputTokens, f.CachedInputTokens, f.CacheWriteTokens, f.OutputTokens,
        decimal.Round(f.CostUsd, 6), f.UnpricedTokens, f.Requests, decimal.Round(f.CachedSavingsUsd, 6))
    {
        CacheWrite1hTokens = f.CacheWrite1hTokens,
        ReasoningTokens = f.ReasoningTokens,
        Cost = converted ? decimal.Round(f.Converted, 6) : null,
        UnconvertedUsd = converted ? decimal.Round(f.UnconvertedUsd, 6) : null,
    };
}

/// <summary>One row: the values of the requested groupBy keys (only those appear), then its figures.</summary>
public sealed record SpendRowJson(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Feature,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Model,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Team,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Provider,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Operation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Variant,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("yyyy-MM-dd in the tz asked for.")] string? Day,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("yyyy-MM-ddTHH:00:00Z.")] string? Hour,
    long InputTokens, long CachedInputTokens, long CacheWriteTokens, long OutputTokens, decimal CostUsd, long UnpricedTokens, long Requests, decimal CachedSavingsUsd,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("The profile's extra dimensions grouped by, name → value.")] IReadOnlyDictionary<string, string>? Extra = null)
    : SpendFiguresJson(InputTokens, CachedInputTokens, CacheWriteTokens, OutputTokens, CostUsd, UnpricedTokens, Requests, CachedSavingsUsd)
{
    public static SpendRowJson Of(IReadOnlyList<string> groupBy, SpendRow row, bool converted = false)
    {
        string? Key(string name)
        {
            for (var i = 0; i < groupBy.Count; i++)
            {
                if (groupBy[i] == name) return row.Keys[i];
            }

            return null;
        }

        var f = SpendFiguresJson.Of(row.Figures, converted);
        var extras = groupBy.Select((name, i) => (Name: name, Value: row.Keys[i]))
            .Where(k => !SpendDimension.All.Contains(k.Name) && k.Name is not ("day" or "hour")).ToList();
        return new(Key(SpendDimension.Feature), Key(SpendDimension.Model), Key(SpendDimension.Team), Key(SpendDimension.Provider),
            Key(SpendDimension.Operation), Key(SpendDimension.Outcome), Key(SpendDimension.Variant), Key("day"), Key("hour"),
            f.InputTokens, f.CachedInputTokens, f.CacheWriteTokens, f.OutputTokens, f.CostUsd, f.UnpricedTokens, f.Requests, f.CachedSavingsUsd,
            extras.Count == 0 ? null : extras.ToDictionary(e => e.Name, e => e.Value))
        {
            CacheWrite1hTokens = f.CacheWrite1hTokens,
            ReasoningTokens = f.ReasoningTokens,
            Cost = f.Cost,
            UnconvertedUsd = f.UnconvertedUsd,
        };
    }
}

/// <summary>An exchange rate a view used: units of the display currency per 1 USD, in force from its UTC day.</summary>
public sealed record RateUsedJson(string Day, decimal UnitsPerUsd);

/// <summary>
/// A spend view. <c>incomplete</c>: part of the window could not be read, so the figures are a floor; the warnings
/// say what is missing (never shown as $0). Tokens of <c>unpricedModels</c> are counted but not in the cost.
/// </summary>
public sealed record SpendAnswerJson(DateTimeOffset From, DateTimeOffset To, string Currency, IReadOnlyList<SpendRowJson> Rows, SpendFiguresJson Totals,
    DateTimeOffset? LedgerThrough, DateTimeOffset? LiveSince, bool Incomplete, IReadOnlyList<string> UnpricedModels, IReadOnlyList<string> Warnings)
{
    /// <summary>Rows over the whole view; <c>rows</c> holds a page of them when a limit was asked.</summary>
    [Description("Rows in the whole view (rows holds one page of them when limit is given).")]
    public int TotalRows { get; init; }

    /// <summary>Pass as <c>cursor</c> for the next page; null on the last one.</summary>
    [Description("Pass as cursor (with the same query) for the next page; null on the last page.")]
    public string? NextCursor { get; init; }

    /// <summary>The currency of each figure's <c>cost</c> (costUsd stays in USD, the billing currency); null when none was asked.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DisplayCurrency { get; init; }

    /// <summary>The rates the conversion used, and the UTC days with cost but no rate (their cost is in unconvertedUsd).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RateUsedJson>? RatesUsed { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? MissingRateDays { get; init; }

    public static SpendAnswerJson Of(SpendResult result) => Of(result, RowPage.Of(result.Rows, 0, int.MaxValue), null);

    public static SpendAnswerJson Of(SpendResult result, RowPage page, string? nextCursor)
    {
        var converted = result.Currency != Currencies.Billing;
        return new(result.From, result.To, "USD", [.. page.Shown.Select(r => SpendRowJson.Of(result.GroupBy, r, converted))], SpendFiguresJson.Of(result.Totals, converted),
            result.LedgerThrough, result.LiveSince, result.Incomplete, result.UnpricedModels, result.Warnings)
        {
            TotalRows = page.TotalRows,
            NextCursor = nextCursor,
            DisplayCurrency = converted ? result.Currency : null,
            RatesUsed = converted ? [.. result.RatesUsed.Select(r => new RateUsedJson(r.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.UnitsPerUsd))] : null,
            MissingRateDays = converted ? [.. result.MissingRateDays.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))] : null,
        };
    }
}

/// <summary>The spend API: any grouping and filter of any window, as JSON or CSV, priced at query time.</summary>
public static class SpendApi
{
    public static IEndpointRouteBuilder MapSpendApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/spend", SpendAsync).WithTags("Spend")
            .WithSummary("Spend by any grouping and filter over a window of whole UTC hours.")
            .WithDescription("format=csv answers the rows as CSV (snake_case columns) instead of JSON.")
            .Produces<SpendAnswerJson>(StatusCodes.Status200OK, "application/json", "text/csv").ProducesProblem(StatusCodes.Status400BadRequest)
            .RequireAuthorization(Policies.Everyone);
        return endpoints;
    }

    private static async Task<IResult> SpendAsync([AsParameters] SpendParameters query, ISpendViews spend, IOptions<LedgerOptions> ledger, IOptions<Prometheus.PrometheusOptions> prometheus, CancellationToken cancellationToken)
    {
        var (request, problem) = Parse(query, ledger.Value.MaxQueryDays, prometheus.Value.ActiveProfile().ExtraNames);
        if (request is null)
        {
            return TypedResults.Problem(title: "Invalid spend query", detail: problem, statusCode: StatusCodes.Status400BadRequest);
        }

        int? limit = null;
        if (!string.IsNullOrEmpty(query.Limit))
        {
            if (!int.TryParse(query.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out var asked) || asked is < 1 or > MaxLimit)
            {
                return TypedResults.Problem(title: "Invalid spend query", detail: $"limit must be a whole number from 1 to {MaxLimit} (was '{Echo.Printable(query.Limit)}').", statusCode: StatusCodes.Status400BadRequest);
            }

            limit = asked;
        }

        var result = await spend.GetAsync(request, cancellationToken);
        var offset = 0;
        if (!string.IsNullOrEmpty(query.Cursor))
        {
            if (limit is null || PageCursor.Read(query.Cursor) is not { } cursor)
            {
                return TypedResults.Problem(title: "Invalid spend query", detail: limit is null
                    ? "cursor goes with limit: pass the same query, limit included, with the nextCursor of the previous page."
                    : "cursor is not a nextCursor this API gave (pass it exactly as received).", statusCode: StatusCodes.Status400BadRequest);
            }

            if (cursor.Fingerprint != PageCursor.Of(result))
            {
                return TypedResults.Problem(title: "The figures changed", detail: "The view's figures changed since the first page (an hour was ingested, a price edited, or the query differs): start the walk again without a cursor.",
                    statusCode: StatusCodes.Status409Conflict);
            }

            offset = cursor.Offset;
        }

        var page = RowPage.Of(result.Rows, offset, limit ?? int.MaxValue);
        var next = page.HasNext ? PageCursor.Write(page.Offset + page.Shown.Count, PageCursor.Of(result)) : null;
        if (string.Equals(query.Format, "csv", StringComparison.OrdinalIgnoreCase))
        {
            // Streamed in batches: a large view never becomes one string. The next page's cursor rides in a header.
            return Results.Stream(async body =>
            {
                // cache_write_1h_tokens is part of cache_write_tokens, reasoning_tokens part of output_tokens. With a display
                // currency, cost_<cur> and unconverted_usd (the cost of days with no rate) follow.
                var converted = result.Currency != Currencies.Billing;
                string[] currencyColumns = converted ? [$"cost_{result.Currency.ToLowerInvariant()}", "unconverted_usd"] : [];
                await Csv.CsvTable.WriteAsync(body, [.. result.GroupBy, "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "cost_usd", "unpriced_tokens", "requests", "cached_savings_usd",
                    "cache_write_1h_tokens", "reasoning_tokens", .. currencyColumns],
                    page.Shown.Select(row => row.Keys.Cast<object?>().Concat([
                        row.Figures.InputTokens, row.Figures.CachedInputTokens, row.Figures.CacheWriteTokens, row.Figures.OutputTokens,
                        decimal.Round(row.Figures.CostUsd, 6), row.Figures.UnpricedTokens, row.Figures.Requests, decimal.Round(row.Figures.CachedSavingsUsd, 6),
                        row.Figures.CacheWrite1hTokens, row.Figures.ReasoningTokens]).Concat(converted
                            ? [decimal.Round(row.Figures.Converted, 6), decimal.Round(row.Figures.UnconvertedUsd, 6)] : Array.Empty<object?>())), cancellationToken);
            }, "text/csv; charset=utf-8");
        }

        return TypedResults.Ok(SpendAnswerJson.Of(result, page, next));
    }

    /// <summary>The most rows one page of the spend API holds.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>Reads and checks the query string; returns the request, or a message saying what is wrong.</summary>
    /// <param name="extras">The profile's extra dimensions, which groupBy and <c>where</c> may name as well.</param>
    public static (SpendRequest? Request, string? Problem) Parse(SpendParameters query, int maxDays, IReadOnlyList<string>? extras = null)
    {
        extras ??= [];
        if (!TryHour(query.From, "from", out var from, out var problem) || !TryHour(query.To, "to", out var to, out problem))
        {
            return (null, problem);
        }

        if (to <= from)
        {
            return (null, $"'to' ({to:yyyy-MM-ddTHH:mm}Z) must be after 'from' ({from:yyyy-MM-ddTHH:mm}Z).");
        }

        if (to - from > TimeSpan.FromDays(maxDays))
        {
            return (null, $"The range is {(to - from).TotalDays:0.#} days; at most {maxDays} days can be asked at once (Ledger:MaxQueryDays).");
        }

        var groupBy = (query.GroupBy ?? []).SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var unknown = groupBy.Where(k => !SpendQuery.GroupKeys.Contains(k) && !extras.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            return (null, $"Unknown groupBy key(s): {string.Join(", ", unknown.Select(k => $"'{Echo.Printable(k)}'"))}. Use any of: {string.Join(", ", SpendQuery.GroupKeys.Concat(extras))}.");
        }

        if (groupBy.Distinct().Count() != groupBy.Count)
        {
            return (null, "A groupBy key is repeated.");
        }

        var format = query.Format ?? "";
        if (format.Length > 0 && format is not ("json" or "csv"))
        {
            return (null, $"format must be json or csv (was '{Echo.Printable(format)}').");
        }

        List<string> Values(string name) => [.. (query.FilterOf(name) ?? []).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).Distinct(StringComparer.Ordinal)];
        var filters = SpendDimension.All.ToDictionary(d => d, d => (IReadOnlyList<string>)Values(d));
        // Extra dimensions are filtered with where=name=value (repeat for several).
        foreach (var clause in (query.Where ?? []).Where(w => !string.IsNullOrEmpty(w)))
        {
            var eq = clause!.IndexOf('=');
            var name = eq > 0 ? clause[..eq] : clause;
            if (eq <= 0 || !extras.Contains(name))
            {
                return (null, extras.Count == 0
                    ? $"'where' ('{Echo.Printable(clause)}') names no extra dimension: this metric profile has none."
                    : $"'where' ('{Echo.Printable(clause)}') must be name=value with name one of: {string.Join(", ", extras)}.");
            }

            filters[name] = [.. (filters.GetValueOrDefault(name) ?? []).Append(clause[(eq + 1)..]).Distinct(StringComparer.Ordinal)];
        }
        if (filters.Values.SelectMany(v => v).Any(v => v.Length > DimensionGuard.MaxStoredLength || v.Any(char.IsControl)))
        {
            return (null, $"A filter value is longer than {DimensionGuard.MaxStoredLength:N0} characters (the longest value the ledger stores) or contains control characters.");
        }

        if (filters.Values.Sum(v => v.Count) > 100)
        {
            return (null, "At most 100 filter values can be given at once.");
        }

        var zoneId = query.Tz ?? "";
        var zone = zoneId.Length == 0 ? TimeZoneInfo.Utc : SpendPeriods.FindZone(zoneId);
        if (zone is null)
        {
            return (null, $"'tz' ('{Echo.Printable(zoneId)}') is not a known IANA time zone such as Europe/Berlin or UTC.");
        }

        var currency = (query.Currency ?? "").Trim().ToUpperInvariant();
        if (currency.Length > 0 && !Currencies.IsIso4217(currency))
        {
            return (null, $"'currency' ('{Echo.Printable(query.Currency ?? "")}') is not an ISO 4217 currency code such as EUR or GBP.");
        }

        return (new SpendRequest(from, to, groupBy) { Filters = filters.Where(f => f.Value.Count > 0).ToDictionary(), TimeZone = zone, Extras = extras, Currency = currency.Length > 0 ? currency : Currencies.Billing }, null);
    }

    private static bool TryHour(string? text, string name, out DateTimeOffset value, out string? problem)
    {
        value = default;
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = $"'{name}' is required, as an ISO 8601 UTC hour such as 2026-11-01T00:00:00Z.";
            return false;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            problem = $"'{name}' ('{Echo.Printable(text)}') is not an ISO 8601 time such as 2026-11-01T00:00:00Z.";
            return false;
        }

        if (value.UtcTicks % TimeSpan.TicksPerHour != 0)
        {
            problem = $"'{name}' ({value:yyyy-MM-ddTHH:mm:ss}Z) is not on the hour: the ledger is hourly, so windows start and end on whole UTC hours.";
            return false;
        }

        if (value.Year is < 2000 or > 2200)
        {
            problem = $"'{name}' ({value:yyyy-MM-dd}) is outside the years 2000–2200.";
            return false;
        }

        return true;
    }

}

/// <summary>
/// The spend API's page cursor: where the next page starts, and a fingerprint of the whole view's figures, so a walk
/// across pages whose figures changed in between is refused instead of silently skipping or repeating rows.
/// </summary>
public readonly record struct PageCursor(int Offset, string Fingerprint)
{
    public static string Write(int offset, string fingerprint) =>
        Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes($"{offset.ToString(CultureInfo.InvariantCulture)}.{fingerprint}"));

    public static PageCursor? Read(string text)
    {
        try
        {
            var parts = System.Text.Encoding.UTF8.GetString(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(text)).Split('.');
            return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) && parts[1].Length == 16
                ? new PageCursor(offset, parts[1])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string Of(SpendResult result)
    {
        var t = result.Totals;
        var text = string.Join('|', result.From.ToUnixTimeSeconds(), result.To.ToUnixTimeSeconds(), string.Join(',', result.GroupBy), result.Rows.Count,
            t.InputTokens, t.CachedInputTokens, t.CacheWriteTokens, t.OutputTokens, t.CostUsd.ToString(CultureInfo.InvariantCulture), t.UnpricedTokens, t.Requests);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)), 0, 8);
    }
}
