using System.ComponentModel;
using System.Globalization;
using System.Text;
using CostConsole.Features.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CostConsole.Features.Spend;

/// <summary>
/// Files finance takes elsewhere: the monthly chargeback per team and a FOCUS-style cost and usage file. Both are
/// computed by the same spend views as the pages, so a file and a page never disagree.
/// </summary>
public static class SpendExports
{
    public static IEndpointRouteBuilder MapSpendExports(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/exports").WithTags("Exports").RequireAuthorization(Policies.Everyone);
        group.MapGet("/chargeback", async (
            [FromQuery, Description("yyyy-MM (UTC); default the current month.")] string? month,
            [FromQuery, Description("Only these teams (repeat for several).")] string[]? team,
            [FromQuery, Description("ISO 4217 currency to add the cost in (each day at its exchange rate); default none.")] string? currency,
            ISpendViews views,
            TimeProvider time,
            CancellationToken cancellationToken) =>
        {
            var (window, problem) = ParseMonth(month, time);
            if (problem is not null) return Results.Problem(title: "Invalid chargeback request", detail: problem, statusCode: StatusCodes.Status400BadRequest);
            var teams = (team ?? []).Where(t => !string.IsNullOrEmpty(t)).ToList();
            if (teams.Any(t => t.Length > 200 || t.Any(char.IsControl)))
            {
                return Results.Problem(title: "Invalid chargeback request", detail: "A team name is longer than 200 characters or contains control characters.", statusCode: StatusCodes.Status400BadRequest);
            }

            var code = (currency ?? "").Trim().ToUpperInvariant();
            if (code.Length > 0 && !Currencies.IsIso4217(code))
            {
                return Results.Problem(title: "Invalid chargeback request", detail: $"'currency' ('{Echo.Printable(currency!)}') is not an ISO 4217 currency code such as EUR.", statusCode: StatusCodes.Status400BadRequest);
            }

            var request = new SpendRequest(window.Start, window.End, [SpendDimension.Team, SpendDimension.Model, SpendDimension.Feature]) { Currency = code.Length > 0 ? code : Currencies.Billing }
                .WithFilter(SpendDimension.Team, teams);
            var result = await views.GetAsync(request, cancellationToken);
            var name = $"chargeback-{window.Start:yyyy-MM}{(teams.Count == 1 ? "-" + FileSafe(teams[0]) : "")}.csv";
            return Results.File(Encoding.UTF8.GetBytes(ChargebackCsv(result)), "text/csv; charset=utf-8", name);
        }).WithSummary("The month's cost per team, model and feature, for chargeback (CSV).")
            .Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/focus", async ([AsParameters] SpendParameters query, ISpendViews views, Microsoft.Extensions.Options.IOptions<Ledger.LedgerOptions> ledger,
            Microsoft.Extensions.Options.IOptions<Prometheus.PrometheusOptions> prometheus, CancellationToken cancellationToken) =>
        {
            var extras = prometheus.Value.ActiveProfile().ExtraNames;
            var (spend, problem) = SpendApi.Parse(query, ledger.Value.MaxQueryDays, extras);
            if (spend is null) return Results.Problem(title: "Invalid FOCUS export", detail: problem, statusCode: StatusCodes.Status400BadRequest);
            // The price variant and the profile's extra dimensions go into Tags beside feature and team.
            // Days are UTC here: each row's display amount is its day's cost at that day's rate.
            var request = spend with { GroupBy = ["day", SpendDimension.Provider, SpendDimension.Model, SpendDimension.Feature, SpendDimension.Team, SpendDimension.Variant, .. extras], TimeZone = spend.Currency == Currencies.Billing ? spend.TimeZone : TimeZoneInfo.Utc };
            var result = await views.GetAsync(request, cancellationToken);
            // Without a cached split every input token is priced at the input price: each row says its cost is an upper bound.
            var note = prometheus.Value.ActiveProfile().HasCachedSplit ? null : "upper bound: the source reports no cached input";
            return Results.File(Encoding.UTF8.GetBytes(FocusCsv(result, request.TimeZone, note)), "text/csv; charset=utf-8",
                $"focus-{spend.From:yyyyMMddHH}-{spend.To:yyyyMMddHH}.csv");
        }).WithSummary("A FOCUS-style cost and usage file of a window: one row per day, provider, model, feature, team and price variant (CSV).")
            .Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesProblem(StatusCodes.Status400BadRequest);
        return endpoints;
    }

    /// <summary>A calendar month in UTC, written yyyy-MM; the current month when none is given.</summary>
    public static ((DateTimeOffset Start, DateTimeOffset End) Month, string? Problem) ParseMonth(string? text, TimeProvider time)
    {
        var now = time.GetUtcNow();
        if (string.IsNullOrEmpty(text))
        {
            var start = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
            return ((start, start.AddMonths(1)), null);
        }

        if (!DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) || month.Year is < 2000 or > 2200)
        {
            return (default, $"'month' ('{Echo.Printable(text)}') is not a month such as 2026-11.");
        }

        var first = new DateTimeOffset(month.Year, month.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return ((first, first.AddMonths(1)), null);
    }

    /// <summary>The month per team, model and feature. The last two columns are parts of others: cache_write_1h_tokens of cache_write_tokens, reasoning_tokens of output_tokens.</summary>
    /// <para>With a display currency: currency, cost in it (each day at its rate), the USD of days with no rate, and the
    /// rates used (day=units per USD; the same for every row of the month).</para>
    public static string ChargebackCsv(SpendResult result)
    {
        var converted = result.Currency != Currencies.Billing;
        var rates = string.Join(" ", result.RatesUsed.Select(r => $"{r.Day:yyyy-MM-dd}={r.UnitsPerUsd.ToString(CultureInfo.InvariantCulture)}"));
        string[] extra = converted ? ["currency", "cost", "unconverted_usd", "rates_per_usd"] : [];
        return Csv.CsvTable.Write(
            ["team", "model", "feature", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "requests", "unpriced_tokens", "cost_usd",
             "cache_write_1h_tokens", "reasoning_tokens", .. extra],
            result.Rows.OrderBy(r => r.Keys[0], StringComparer.Ordinal).ThenByDescending(r => r.Figures.CostUsd).Select(row => row.Keys.Cast<object?>().Concat([
                row.Figures.InputTokens, row.Figures.CachedInputTokens, row.Figures.CacheWriteTokens, row.Figures.OutputTokens,
                row.Figures.Requests, row.Figures.UnpricedTokens, decimal.Round(row.Figures.CostUsd, 6), row.Figures.CacheWrite1hTokens, row.Figures.ReasoningTokens])
                .Concat(converted ? [result.Currency, decimal.Round(row.Figures.Converted, 6), decimal.Round(row.Figures.UnconvertedUsd, 6), rates] : Array.Empty<object?>())));
    }

    /// <summary>
    /// FOCUS columns, one row per day, provider, model, feature, team and price variant. Prices are list prices with no
    /// discount known, so billed, effective and list cost are the same figure; tokens are priced per 1M. Tokens without
    /// a price are left out of the cost columns and listed in x_UnpricedTokens. A variant goes into Tags and the charge
    /// description, which also says when the variant had no price of its own and was priced at the base.
    /// x_CacheWrite1hTokens is part of x_CacheWriteTokens, x_ReasoningTokens part of x_OutputTokens.
    /// </summary>
    public static string FocusCsv(SpendResult result, TimeZoneInfo zone, string? costNote = null) => Csv.CsvTable.Write(
        ["BilledCost", "EffectiveCost", "ListCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeDescription", "ServiceName",
         "ProviderName", "PublisherName", "SkuId", "PricingQuantity", "PricingUnit", "ConsumedQuantity", "ConsumedUnit", "Tags",
         "x_InputTokens", "x_CachedInputTokens", "x_CacheWriteTokens", "x_OutputTokens", "x_Requests", "x_UnpricedTokens", "x_CacheWrite1hTokens", "x_ReasoningTokens",
         .. result.Currency == Currencies.Billing ? Array.Empty<string>() : ["x_DisplayCurrency", "x_DisplayCost", "x_ExchangeRate", "x_ExchangeRateDate"]],
        result.Rows.OrderBy(r => r.Keys[0], StringComparer.Ordinal).ThenBy(r => string.Join('\u001f', r.Keys.Skip(1)), StringComparer.Ordinal).Select(row =>
        {
            var (day, provider, model, feature, team, variant) = (row.Keys[0], row.Keys[1], row.Keys[2], row.Keys[3], row.Keys[4], row.Keys[5]);
            var f = row.Figures;
            var date = DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var start = Clamp(SpendPeriods.StartOf(date, zone), result.From, result.To);
            var end = Clamp(SpendPeriods.StartOf(date.AddDays(1), zone), result.From, result.To);
            var cost = decimal.Round(f.CostUsd, 6);
            var tokens = f.BillableTokens;
            var tags = "{" + string.Join(",", new[] { ("feature", feature), ("team", team), ("variant", variant) }.Concat(result.GroupBy.Skip(6).Zip(row.Keys.Skip(6))).Where(t => t.Item2.Length > 0)
                .Select(t => $"\"{t.Item1}\":\"{JsonEscape(t.Item2)}\"")) + "}";
            var vendor = provider.Length > 0 ? provider : "unknown";
            var tier = variant.Length == 0 ? ""
                : result.VariantsAsBase.Contains((model, variant)) ? $"{variant} tier priced at the base: no price of its own" : $"{variant} tier";
            List<string> notes = [.. new[] { tier, costNote ?? "" }.Where(n => n.Length > 0)];
            return (IEnumerable<object?>)
            [
                cost, cost, cost, "USD",
                start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                end.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                "Usage", $"{SpendDimension.Display(model)} tokens for {SpendDimension.Display(feature)}{(notes.Count == 0 ? "" : $" ({string.Join("; ", notes)})")}", "LLM API", vendor, vendor, model,
                tokens / 1_000_000m, "1M Tokens", tokens, "Tokens", tags,
                f.InputTokens, f.CachedInputTokens, f.CacheWriteTokens, f.OutputTokens, f.Requests, f.UnpricedTokens, f.CacheWrite1hTokens, f.ReasoningTokens,
                .. result.Currency == Currencies.Billing ? Array.Empty<object?>() : DisplayCells(result, date, f),
            ];
        }));

    /// <summary>A day's row in the display currency: the amount (empty when the day has no rate), the rate in force and its date.</summary>
    private static object?[] DisplayCells(SpendResult result, DateOnly day, SpendFigures f)
    {
        var rate = new ExchangeRates(result.RatesUsed).On(result.Currency, day);
        return rate is null || f.UnconvertedUsd != 0
            ? [result.Currency, "", "", ""]
            : [result.Currency, decimal.Round(f.Converted, 6), rate.UnitsPerUsd, rate.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)];
    }

    private static DateTimeOffset Clamp(DateTimeOffset value, DateTimeOffset min, DateTimeOffset max) => value < min ? min : value > max ? max : value;

    private static string JsonEscape(string value) => System.Text.Json.JsonEncodedText.Encode(value).ToString();

    private static string FileSafe(string value) => new([.. value.Take(40).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
}
