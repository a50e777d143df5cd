using System.Globalization;
using System.Text;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Spend;

public static class SpendEndpoints
{
    public static IServiceCollection AddCostConsoleSpend(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SpendOptions>().Bind(configuration.GetSection(SpendOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<SpendOptions>, ValidateSpendOptions>();
        services.AddSingleton<SpendQuery>();
        services.AddSingleton<CostDataVersion>();
        services.AddSingleton<SpendViews>();
        services.AddSingleton<PeriodComparison>();
        services.AddSingleton<BurnRate>();
        return services;
    }

    public static IEndpointRouteBuilder MapSpendApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/spend", async (HttpContext context, SpendViews spend, IOptions<LedgerOptions> ledger, CancellationToken cancellationToken) =>
        {
            var (request, problem) = Parse(context.Request.Query, ledger.Value.MaxQueryDays);
            if (request is null)
            {
                return Results.Problem(title: "Invalid spend query", detail: problem, statusCode: StatusCodes.Status400BadRequest);
            }

            var result = await spend.GetAsync(request, cancellationToken);
            return string.Equals(context.Request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase)
                ? Results.Text(ToCsv(result), "text/csv; charset=utf-8")
                : Results.Json(ToJson(result));
        }).RequireAuthorization(Policies.Everyone);
        return endpoints;
    }

    /// <summary>Reads and checks the query string; returns the request, or a message saying what is wrong.</summary>
    public static (SpendRequest? Request, string? Problem) Parse(IQueryCollection query, int maxDays)
    {
        if (!TryHour(query["from"], "from", out var from, out var problem) || !TryHour(query["to"], "to", out var to, out problem))
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

        var groupBy = query["groupBy"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var unknown = groupBy.Where(k => !SpendQuery.GroupKeys.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            return (null, $"Unknown groupBy key(s): {string.Join(", ", unknown.Select(k => $"'{Echo.Printable(k)}'"))}. Use any of: {string.Join(", ", SpendQuery.GroupKeys)}.");
        }

        if (groupBy.Distinct().Count() != groupBy.Count)
        {
            return (null, "A groupBy key is repeated.");
        }

        var format = query["format"].ToString();
        if (format.Length > 0 && format is not ("json" or "csv"))
        {
            return (null, $"format must be json or csv (was '{Echo.Printable(format)}').");
        }

        List<string> Values(string name) => [.. query[name].Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).Distinct(StringComparer.Ordinal)];
        var filters = SpendDimension.All.ToDictionary(d => d, d => (IReadOnlyList<string>)Values(d));
        if (filters.Values.SelectMany(v => v).Any(v => v.Length > 200 || v.Any(char.IsControl)))
        {
            return (null, "A filter value is longer than 200 characters or contains control characters.");
        }

        if (filters.Values.Sum(v => v.Count) > 100)
        {
            return (null, "At most 100 filter values can be given at once.");
        }

        var zoneId = query["tz"].ToString();
        var zone = zoneId.Length == 0 ? TimeZoneInfo.Utc : SpendPeriods.FindZone(zoneId);
        if (zone is null)
        {
            return (null, $"'tz' ('{Echo.Printable(zoneId)}') is not a known IANA time zone such as Europe/Berlin or UTC.");
        }

        return (new SpendRequest(from, to, groupBy) { Filters = filters.Where(f => f.Value.Count > 0).ToDictionary(), TimeZone = zone }, null);
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

    /// <summary>Echoes a bad value in a message: at most 60 characters, control characters shown as '?'.</summary>

    private static object Figures(SpendFigures f) => new
    {
        inputTokens = f.InputTokens,
        cachedInputTokens = f.CachedInputTokens,
        cacheWriteTokens = f.CacheWriteTokens,
        outputTokens = f.OutputTokens,
        costUsd = decimal.Round(f.CostUsd, 6),
        unpricedTokens = f.UnpricedTokens,
        requests = f.Requests,
        cachedSavingsUsd = decimal.Round(f.CachedSavingsUsd, 6),
    };

    private static object ToJson(SpendResult result) => new
    {
        from = result.From,
        to = result.To,
        currency = "USD",
        rows = result.Rows.Select(r =>
        {
            var row = new Dictionary<string, object>(StringComparer.Ordinal);
            for (var i = 0; i < result.GroupBy.Count; i++) row[result.GroupBy[i]] = r.Keys[i];
            row["inputTokens"] = r.Figures.InputTokens;
            row["cachedInputTokens"] = r.Figures.CachedInputTokens;
            row["cacheWriteTokens"] = r.Figures.CacheWriteTokens;
            row["outputTokens"] = r.Figures.OutputTokens;
            row["costUsd"] = decimal.Round(r.Figures.CostUsd, 6);
            row["unpricedTokens"] = r.Figures.UnpricedTokens;
            row["requests"] = r.Figures.Requests;
            row["cachedSavingsUsd"] = decimal.Round(r.Figures.CachedSavingsUsd, 6);
            return row;
        }),
        totals = Figures(result.Totals),
        ledgerThrough = result.LedgerThrough,
        liveSince = result.LiveSince,
        incomplete = result.Incomplete,
        unpricedModels = result.UnpricedModels,
        warnings = result.Warnings,
    };

    private static string ToCsv(SpendResult result) => Csv.CsvTable.Write(
        [.. result.GroupBy, "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "cost_usd", "unpriced_tokens", "requests", "cached_savings_usd"],
        result.Rows.Select(row => row.Keys.Cast<object?>().Concat([
            row.Figures.InputTokens, row.Figures.CachedInputTokens, row.Figures.CacheWriteTokens, row.Figures.OutputTokens,
            decimal.Round(row.Figures.CostUsd, 6), row.Figures.UnpricedTokens, row.Figures.Requests, decimal.Round(row.Figures.CachedSavingsUsd, 6)])));

}
