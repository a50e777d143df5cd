using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Serialization;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Features.Spend;
using CostConsole.Prometheus;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Reconcile;

/// <summary>The reconciliation of UTC days [From, To) with the provider reports imported for them.</summary>
public sealed record InvoiceResult(DateOnly From, DateOnly To, IReadOnlyList<string> GroupBy, IReadOnlyList<InvoiceRow> Rows, decimal CostConsoleUsd, decimal ReportUsd,
    decimal NotComparedUsd, IReadOnlyList<ReportImport> Imports, IReadOnlyList<string> Warnings, decimal TolerancePercent)
{
    public int FlaggedRows => Rows.Count(r => r.Flagged);
}

/// <summary>
/// CostConsole's tokens and cost per UTC day and model beside the provider reports' (usage and cost). Only what a
/// report covers is compared: CostConsole rows of a provider no imported report covers that day are left out (their
/// cost is given as not compared); a row whose provider CostConsole does not know is compared with any report of that day.
/// </summary>
public sealed class InvoiceReconcileQuery(ISpendViews views, ProviderReportStore reports, PriceStore prices, IOptions<PrometheusOptions> prometheus, IOptions<ReconcileOptions> options)
{
    public static readonly IReadOnlyList<string> DefaultGroupBy = ["day", SpendDimension.Model];

    public async Task<InvoiceResult> RunAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var imports = await reports.CoveringAsync(from, to, cancellationToken);
        var lines = await reports.LinesAsync(from, to, cancellationToken);
        // (provider, day) pairs some report covers; usage and cost reports are told apart for the "no usage report" wording.
        var covered = imports.SelectMany(i => Enumerable.Range(Math.Max(i.FromDay, from.DayNumber), Math.Max(0, Math.Min(i.ToDay, to.DayNumber) - Math.Max(i.FromDay, from.DayNumber)))
            .Select(d => (i.Provider, Day: d))).ToHashSet();
        var coveredDays = covered.Select(c => c.Day).ToHashSet();

        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var spend = await views.GetAsync(new SpendRequest(start, end, ["day", SpendDimension.Provider, SpendDimension.Model]), cancellationToken);
        Dictionary<IReadOnlyList<string>, SpendFigures> costConsole = new(InvoiceReconciliation.KeyComparer.Instance);
        var notCompared = 0m;
        foreach (var row in spend.Rows)
        {
            var (day, provider, model) = (row.Keys[0], row.Keys[1], row.Keys[2]);
            var dayNumber = DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber;
            var compared = provider.Length == 0 ? coveredDays.Contains(dayNumber) : covered.Contains((provider.ToLowerInvariant(), dayNumber));
            if (!compared)
            {
                notCompared += row.Figures.CostUsd;
                continue;
            }

            IReadOnlyList<string> key = [day, model];
            costConsole[key] = costConsole.TryGetValue(key, out var sum) ? sum.Plus(row.Figures) : row.Figures;
        }

        Dictionary<IReadOnlyList<string>, ReportSide> report = new(InvoiceReconciliation.KeyComparer.Instance);
        foreach (var group in lines.GroupBy(l => (IReadOnlyList<string>)[l.Line.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), l.Line.Model], InvoiceReconciliation.KeyComparer.Instance))
        {
            var usage = group.Where(l => ReportSources.IsUsage(l.Source)).Select(l => l.Line).ToList();
            var cost = group.Where(l => !ReportSources.IsUsage(l.Source)).Select(l => l.Line).ToList();
            var tokenCost = cost.Where(c => c.TokenCost).ToList();
            Dictionary<string, decimal> byType = [];
            foreach (var line in tokenCost.Where(c => InvoiceReconciliation.TokenTypes.ContainsKey(c.Kind)))
            {
                byType[line.Kind] = byType.GetValueOrDefault(line.Kind) + line.AmountUsd;
            }

            // The split per token type is only used when it accounts for the whole cost.
            var splitWhole = byType.Values.Sum() == tokenCost.Sum(c => c.AmountUsd);
            report[group.Key] = new ReportSide(
                usage.Count > 0 ? usage.Aggregate(ReportTokens.Zero, (all, l) => all.Plus(l.Tokens)) : null,
                cost.Count > 0 ? cost.Sum(c => c.AmountUsd) : null,
                splitWhole ? byType : new Dictionary<string, decimal>(),
                cost.Any(c => c.Variant.Length > 0) || usage.Any(u => u.Variant.Length > 0));
        }

        var book = await prices.LoadAsync(cancellationToken);
        PriceEntry? PriceAt(string model, DateOnly day) => book.PriceAt(model, new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        var rows = InvoiceReconciliation.Compare(costConsole, report, 0, 1, prometheus.Value.ActiveProfile().InputIncludes, PriceAt, settings.TolerancePercent, settings.MinimumUsd);

        List<string> warnings = [.. spend.Warnings];
        if (imports.Count == 0) warnings.Add("No provider report is imported for these days: import a usage or cost report to reconcile.");
        if (notCompared > 0) warnings.Add($"{notCompared.ToString("$#,0.00", CultureInfo.InvariantCulture)} of CostConsole's cost is of providers no imported report covers on those days: not compared.");
        if (spend.Incomplete) warnings.Add("Part of the window could not be read: CostConsole's figures are a floor.");
        return new InvoiceResult(from, to, DefaultGroupBy, rows, costConsole.Values.Sum(f => f.CostUsd), lines.Where(l => !ReportSources.IsUsage(l.Source)).Sum(l => l.Line.AmountUsd),
            notCompared, imports, warnings, settings.TolerancePercent);
    }
}

/// <summary>A price the report implies, with the editor link that adds it (through the editor's preview and audit).</summary>
public sealed record ImpliedPriceJson(string TokenType, decimal ImpliedPerMTok, decimal? CurrentPerMTok, string From, string AddPriceUrl);

public sealed record ReportTokensJson(long InputTokens, long CachedInputTokens, long CacheWriteTokens, long CacheWrite1hTokens, long OutputTokens)
{
    public static ReportTokensJson? Of(ReportTokens? t) => t is null ? null : new(t.TotalInput, t.CacheRead, t.CacheWrite, t.CacheWrite1h, t.Output);
}

/// <summary>One reconciled day and model. inputTokens counts every input token (cached and written included) on both sides.</summary>
public sealed record InvoiceRowJson(string Day, string Model, ReportTokensJson? CostConsoleTokens, decimal? CostConsoleUsd, long UnpricedTokens, ReportTokensJson? ReportTokens, decimal? ReportUsd,
    long? TokenDifference, decimal DifferenceUsd, decimal? DifferencePercent, bool Flagged,
    [property: Description("none, tokens-differ, cached-counted-twice, unpriced, price-differs, only-in-report, only-in-costconsole, not-tokens")] string Cause,
    string? Explanation, ImpliedPriceJson? Implied);

public sealed record ReportImportJson(long Id, string Source, string From, string To, DateTimeOffset ImportedAt, string Actor, string Origin, int Lines, long Tokens, decimal AmountUsd, long? ReplacedBy)
{
    public static ReportImportJson Of(ReportImport i) => new(i.Id, i.Source, i.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), i.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        i.ImportedAt, i.Actor, i.Origin, i.Lines, i.Tokens, decimal.Round(i.AmountUsd, 6), i.ReplacedBy);
}

/// <summary>The reconciliation with the bill; money in USD (the billing currency), rounded to 6 decimals; days are UTC, to exclusive.</summary>
public sealed record InvoiceAnswerJson(string From, string To, string Currency, decimal TolerancePercent, IReadOnlyList<InvoiceRowJson> Rows, decimal CostConsoleUsd, decimal ReportUsd,
    decimal NotComparedUsd, int FlaggedRows, IReadOnlyList<ReportImportJson> Imports, IReadOnlyList<string> Warnings)
{
    public static string CauseName(InvoiceCause cause) => cause switch
    {
        InvoiceCause.TokensDiffer => "tokens-differ",
        InvoiceCause.CachedCountedTwice => "cached-counted-twice",
        InvoiceCause.Unpriced => "unpriced",
        InvoiceCause.PriceDiffers => "price-differs",
        InvoiceCause.OnlyInReport => "only-in-report",
        InvoiceCause.OnlyInCostConsole => "only-in-costconsole",
        InvoiceCause.NotTokens => "not-tokens",
        _ => "none",
    };

    /// <summary>The price editor, open on the model with the implied price filled in from that day (nothing is saved until the engineer previews and saves).</summary>
    public static string AddPriceUrl(string model, ImpliedPrice implied) =>
        $"/prices?model={Uri.EscapeDataString(model)}&add=1&from={implied.From:yyyy-MM-dd}T00:00:00Z&{ImpliedField(implied.TokenType)}={implied.ImpliedPerMTok.ToString("0.######", CultureInfo.InvariantCulture)}";

    private static string ImpliedField(string tokenType) => tokenType switch
    {
        "output" => "output",
        "cached input" => "cached",
        "cache write" => "cacheWrite",
        "1-hour cache write" => "cacheWrite1h",
        _ => "input",
    };

    public static InvoiceAnswerJson Of(InvoiceResult result) => new(
        result.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), result.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Currencies.Billing, result.TolerancePercent,
        [.. result.Rows.Select(r => new InvoiceRowJson(r.Keys[0], r.Keys[1], ReportTokensJson.Of(r.CostConsoleTokens), r.CostConsoleUsd is { } c ? decimal.Round(c, 6) : null, r.UnpricedTokens,
            ReportTokensJson.Of(r.Report?.Tokens), r.Report?.CostUsd is { } rc ? decimal.Round(rc, 6) : null, r.TokenDifference, decimal.Round(r.DifferenceUsd, 6),
            r.DifferencePercent is { } p ? decimal.Round(p, 2) : null, r.Flagged, CauseName(r.Cause), r.Explanation,
            r.Implied is { } i ? new ImpliedPriceJson(i.TokenType, i.ImpliedPerMTok, i.CurrentPerMTok, i.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), AddPriceUrl(r.Keys[1], i)) : null))],
        decimal.Round(result.CostConsoleUsd, 6), decimal.Round(result.ReportUsd, 6), decimal.Round(result.NotComparedUsd, 6), result.FlaggedRows,
        [.. result.Imports.Select(ReportImportJson.Of)], result.Warnings);
}

/// <summary>The result of a report import (or its dry run): the period, the lines, what it replaces, or every problem.</summary>
public sealed record ReportImportAnswerJson(string Source, string? From, string? To, int Lines, long Tokens, decimal AmountUsd, bool DryRun, IReadOnlyList<ReportImportJson> Replaces,
    ReportImportJson? Written, IReadOnlyList<string> Problems);

public static class InvoiceApi
{
    public const int MaxReportBytes = 32 * 1024 * 1024;

    public static IEndpointRouteBuilder MapInvoiceApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/reconcile").WithTags("Reconcile").RequireAuthorization(Policies.Reconcilers);
        group.MapGet("/invoice", async (
                [FromQuery, Description("First UTC day, yyyy-MM-dd.")] string? from,
                [FromQuery, Description("Day after the last, yyyy-MM-dd (exclusive).")] string? to,
                [FromQuery, Description("day,model (the default and, for now, the only grouping).")] string? groupBy,
                InvoiceReconcileQuery query, IOptions<LedgerOptions> ledger, TimeProvider time, CancellationToken cancellationToken) =>
            {
                var (window, problem) = ParseDays(from, to, ledger.Value.MaxQueryDays);
                if (problem is null && !string.IsNullOrEmpty(groupBy) && groupBy.Replace(" ", "", StringComparison.Ordinal) != "day,model")
                {
                    problem = $"'groupBy' must be day,model (was '{Echo.Printable(groupBy)}').";
                }

                return problem is not null
                    ? Results.Problem(title: "Invalid reconciliation query", detail: problem, statusCode: StatusCodes.Status400BadRequest)
                    : Results.Ok(InvoiceAnswerJson.Of(await query.RunAsync(window.From, window.To, cancellationToken)));
            })
            .WithSummary("CostConsole's tokens and cost per UTC day and model beside the imported provider reports', with flagged rows and their likely cause.")
            .Produces<InvoiceAnswerJson>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/reports", async (HttpContext context,
                [FromQuery, Description("anthropic-usage, anthropic-cost, openai-usage or openai-costs.")] string? format,
                [FromQuery, Description("true (default): only check and show what would be imported.")] bool? dryRun,
                ProviderReportStore store, CancellationToken cancellationToken) =>
            {
                var source = format ?? "";
                if (!ReportSources.All.Contains(source))
                {
                    return Results.Problem(title: "Invalid report import", detail: $"format must be one of {string.Join(", ", ReportSources.All)} (was '{Echo.Printable(source)}').", statusCode: StatusCodes.Status400BadRequest);
                }

                var text = await ApiBody.ReadTextAsync(context.Request.Body, MaxReportBytes, cancellationToken);
                if (text is null)
                {
                    return Results.Problem(title: "Invalid report import", detail: $"The file is larger than {MaxReportBytes / 1024 / 1024} MB.", statusCode: StatusCodes.Status400BadRequest);
                }

                var actor = context.User.Identity?.Name ?? "api";
                var result = await store.ImportAsync(source, text, actor, "upload (API)", dryRun ?? true, cancellationToken);
                var answer = Answer(result, dryRun ?? true);
                return result.Ok ? Results.Ok(answer) : Results.BadRequest(answer);
            })
            .WithSummary("Imports a provider's usage or cost report (the JSON its admin API returns, one page or an array of pages); a dry run unless dryRun=false. Re-importing a period replaces it.")
            .Produces<ReportImportAnswerJson>(StatusCodes.Status200OK).Produces<ReportImportAnswerJson>(StatusCodes.Status400BadRequest);

        group.MapGet("/reports", async (ProviderReportStore store, CancellationToken cancellationToken) =>
                Results.Ok((await store.HistoryAsync(cancellationToken: cancellationToken)).Select(ReportImportJson.Of)))
            .WithSummary("Every report import, newest first (replaced ones name the import that replaced them).")
            .Produces<IReadOnlyList<ReportImportJson>>(StatusCodes.Status200OK);
        return endpoints;
    }

    public static ReportImportAnswerJson Answer(ReportImportResult result, bool dryRun)
    {
        var report = result.Report;
        var ok = report.Problems.Count == 0;
        return new ReportImportAnswerJson(report.Source, ok ? report.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
            ok ? report.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null, report.Lines.Count, report.Lines.Sum(l => l.Tokens.TotalInput + l.Tokens.Output),
            decimal.Round(report.Lines.Sum(l => l.AmountUsd), 6), dryRun, [.. result.Replaces.Select(ReportImportJson.Of)],
            result.Written is { } w ? ReportImportJson.Of(w) : null, [.. result.Problems.Take(200).Select(p => p.ToString())]);
    }

    /// <summary>Two UTC days, yyyy-MM-dd, from before to, at most <paramref name="maxDays"/> apart; the current month when both are missing.</summary>
    public static ((DateOnly From, DateOnly To) Window, string? Problem) ParseDays(string? from, string? to, int maxDays, DateOnly? today = null)
    {
        if (string.IsNullOrEmpty(from) && string.IsNullOrEmpty(to))
        {
            var now = today ?? DateOnly.FromDateTime(DateTime.UtcNow);
            var first = new DateOnly(now.Year, now.Month, 1);
            return ((first, first.AddMonths(1)), null);
        }

        if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            return (default, $"'from' ('{Echo.Printable(from ?? "")}') is not a day such as 2026-11-01.");
        if (!DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
            return (default, $"'to' ('{Echo.Printable(to ?? "")}') is not a day such as 2026-12-01.");
        if (end <= start) return (default, "'to' must be after 'from' (to is the day after the last one).");
        if (end.DayNumber - start.DayNumber > maxDays) return (default, $"At most {maxDays} days at once.");
        return ((start, end), null);
    }
}
