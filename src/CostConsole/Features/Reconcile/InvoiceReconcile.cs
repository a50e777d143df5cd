using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Serialization;
using CostConsole.Features.Hosting;
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
public sealed class InvoiceReconcileQuery(ISpendViews views, ProviderReportStore reports, ReportMappings mappings, PriceStore prices, IOptions<PrometheusOptions> prometheus, IOptions<ReconcileOptions> options)
{
    public static readonly IReadOnlyList<string> DefaultGroupBy = ["day", SpendDimension.Model];
    public static readonly IReadOnlyList<string> ByTeam = ["day", SpendDimension.Model, SpendDimension.Team];

    /// <summary>A mapped bill row's token type as the reconciliation names cost per token type (Anthropic's cost report keys).</summary>
    private static readonly IReadOnlyDictionary<string, string> TokenTypeKeys = InvoiceReconciliation.TokenTypes.ToDictionary(t => t.Value, t => t.Key);

    public async Task<InvoiceResult> RunAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default) => await RunAsync(from, to, false, cancellationToken);

    /// <param name="byTeam">Also by team: CostConsole's team dimension beside the team the mapping rules give a report's workspace, project, sub-account, API key or tags.</param>
    public async Task<InvoiceResult> RunAsync(DateOnly from, DateOnly to, bool byTeam, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var imports = await reports.CoveringAsync(from, to, cancellationToken);
        var mapper = await mappings.MapperAsync(cancellationToken);
        var lines = (await reports.ProviderLinesAsync(from, to, cancellationToken)).Select(l => (l.Source, l.Provider, Line: Resolve(l.Line, mapper))).ToList();
        // (provider, day) pairs some report covers.
        var covered = imports.SelectMany(i => Enumerable.Range(Math.Max(i.FromDay, from.DayNumber), Math.Max(0, Math.Min(i.ToDay, to.DayNumber) - Math.Max(i.FromDay, from.DayNumber)))
            .Select(d => (i.Provider, Day: d))).ToHashSet();
        var coveredDays = covered.Select(c => c.Day).ToHashSet();

        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        List<string> groupBy = ["day", SpendDimension.Provider, SpendDimension.Model, .. byTeam ? [SpendDimension.Team] : Array.Empty<string>()];
        var spend = await views.GetAsync(new SpendRequest(start, end, groupBy), cancellationToken);
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

            IReadOnlyList<string> key = byTeam ? [day, model, row.Keys[3]] : [day, model];
            costConsole[key] = costConsole.TryGetValue(key, out var sum) ? sum.Plus(row.Figures) : row.Figures;
        }

        Dictionary<IReadOnlyList<string>, ReportSide> report = new(InvoiceReconciliation.KeyComparer.Instance);
        IReadOnlyList<string> KeyOf(ReportLine line)
        {
            var day = line.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            return byTeam ? [day, line.Model, mapper.TeamOf(line.Account, line.ApiKey, line.Bill?.Tags)] : [day, line.Model];
        }

        foreach (var group in lines.GroupBy(l => KeyOf(l.Line), InvoiceReconciliation.KeyComparer.Instance))
        {
            // A bill row is usage (when its unit is tokens of a mapped type) and cost at once.
            var usage = group.Where(l => ReportSources.IsUsage(l.Source) || (l.Line.Bill is not null && l.Line.Tokens != ReportTokens.Zero)).Select(l => l.Line).ToList();
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
        var unmapped = lines.Where(l => l.Line.Bill is not null && l.Line.Kind.StartsWith(Unmapped, StringComparison.Ordinal)).ToList();
        if (unmapped.Count > 0) warnings.Add($"{unmapped.Count:N0} bill rows ({unmapped.Sum(l => l.Line.AmountUsd).ToString("$#,0.00", CultureInfo.InvariantCulture)}) match no mapping rule: they are listed under \"not attributed to a model\"; add a rule to map them.");
        if (spend.Incomplete) warnings.Add("Part of the window could not be read: CostConsole's figures are a floor.");
        return new InvoiceResult(from, to, byTeam ? ByTeam : DefaultGroupBy, rows, costConsole.Values.Sum(f => f.CostUsd), lines.Where(l => !ReportSources.IsUsage(l.Source)).Sum(l => l.Line.AmountUsd),
            notCompared, imports, warnings, settings.TolerancePercent);
    }

    private const string Unmapped = "unmapped: ";

    /// <summary>A bill row through the mapping rules: its model, variant and token type (its tokens placed accordingly), or unattributed.</summary>
    private static ReportLine Resolve(ReportLine line, ReportMapper mapper)
    {
        if (line.Bill is not { } bill || !line.TokenCost) return line;
        if (mapper.ModelRule(bill) is not { } rule)
        {
            return line with { Model = "", TokenCost = false, Kind = $"{Unmapped}{string.Join(" / ", new[] { bill.Sku, bill.Resource, bill.Meter }.Where(t => t.Length > 0))}" };
        }

        var n = line.BillTokens;
        var tokens = rule.TokenType switch
        {
            "input" => new ReportTokens(n, 0, 0, 0, 0),
            "cached input" => new ReportTokens(0, n, 0, 0, 0),
            "cache write" => new ReportTokens(0, 0, n, 0, 0),
            "1-hour cache write" => new ReportTokens(0, 0, 0, n, 0),
            "output" => new ReportTokens(0, 0, 0, 0, n),
            _ => ReportTokens.Zero,
        };
        return line with { Model = rule.Model, Variant = rule.Variant, Tokens = tokens, Kind = TokenTypeKeys.GetValueOrDefault(rule.TokenType, line.Kind) };
    }
}

/// <summary>A price the report implies, with the editor link that adds it (through the editor's preview and audit).</summary>
public sealed record ImpliedPriceJson(string TokenType, decimal ImpliedPerMTok, decimal? CurrentPerMTok, string From, string AddPriceUrl);

public sealed record ReportTokensJson(long InputTokens, long CachedInputTokens, long CacheWriteTokens, long CacheWrite1hTokens, long OutputTokens)
{
    public static ReportTokensJson? Of(ReportTokens? t) => t is null ? null : new(t.TotalInput, t.CacheRead, t.CacheWrite, t.CacheWrite1h, t.Output);
}

/// <summary>One reconciled day and model. inputTokens counts every input token (cached and written included) on both sides.</summary>
public sealed record InvoiceRowJson(string Day, string Model, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Team, ReportTokensJson? CostConsoleTokens, decimal? CostConsoleUsd, long UnpricedTokens, ReportTokensJson? ReportTokens, decimal? ReportUsd,
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
        [.. result.Rows.Select(r => new InvoiceRowJson(r.Keys[0], r.Keys[1], r.Keys.Count > 2 ? r.Keys[2] : null, ReportTokensJson.Of(r.CostConsoleTokens), r.CostConsoleUsd is { } c ? decimal.Round(c, 6) : null, r.UnpricedTokens,
            ReportTokensJson.Of(r.Report?.Tokens), r.Report?.CostUsd is { } rc ? decimal.Round(rc, 6) : null, r.TokenDifference, decimal.Round(r.DifferenceUsd, 6),
            r.DifferencePercent is { } p ? decimal.Round(p, 2) : null, r.Flagged, CauseName(r.Cause), r.Explanation,
            r.Implied is { } i ? new ImpliedPriceJson(i.TokenType, i.ImpliedPerMTok, i.CurrentPerMTok, i.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), AddPriceUrl(r.Keys[1], i)) : null))],
        decimal.Round(result.CostConsoleUsd, 6), decimal.Round(result.ReportUsd, 6), decimal.Round(result.NotComparedUsd, 6), result.FlaggedRows,
        [.. result.Imports.Select(ReportImportJson.Of)], result.Warnings);
}

/// <summary>A stored mapping rule, in the order rules are tried within its kind.</summary>
public sealed record MappingJson(long Id, int Order, string Kind, string Field, string Match, string Model, string Variant, string TokenType, string Team)
{
    public static MappingJson Of(ReportMappingRecord m) => new(m.Id, m.Order, m.Kind, m.Field, m.Match, m.Model, m.Variant, m.TokenType, m.Team);
}

/// <summary>A rule to add: kind model (field sku, resource or meter → model, variant, tokenType) or team (field account, api_key or tag:&lt;name&gt; → team); match is the exact value or re:pattern; order (optional) places it.</summary>
public sealed record MappingBody(int? Order, string? Kind, string? Field, string? Match, string? Model, string? Variant, string? TokenType, string? Team)
{
    public MappingRule ToRule() => new(Order ?? 0, Kind ?? "", Field ?? "", Match ?? "", Model ?? "", Variant ?? "", TokenType ?? "", Team ?? "");
}

public sealed record MappingDeletedJson(bool Deleted, long Id);

/// <summary>What a rule would map: unmapped bill rows (or report lines without a team) of the last 92 days, and their cost.</summary>
public sealed record MappingPreviewJson(int Rows, decimal AmountUsd);

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
                [FromQuery, Description("day,model (the default) or day,model,team (teams from the mapping rules).")] string? groupBy,
                InvoiceReconcileQuery query, IOptions<LedgerOptions> ledger, TimeProvider time, CancellationToken cancellationToken) =>
            {
                var (window, problem) = ParseDays(from, to, ledger.Value.MaxQueryDays);
                var grouping = (groupBy ?? "").Replace(" ", "", StringComparison.Ordinal);
                if (problem is null && grouping is not ("" or "day,model" or "day,model,team"))
                {
                    problem = $"'groupBy' must be day,model or day,model,team (was '{Echo.Printable(groupBy ?? "")}').";
                }

                return problem is not null
                    ? Results.Problem(title: "Invalid reconciliation query", detail: problem, statusCode: StatusCodes.Status400BadRequest)
                    : Results.Ok(InvoiceAnswerJson.Of(await query.RunAsync(window.From, window.To, grouping == "day,model,team", cancellationToken)));
            })
            .WithSummary("CostConsole's tokens and cost per UTC day and model (and team) beside the imported provider reports', with flagged rows and their likely cause.")
            .Produces<InvoiceAnswerJson>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/reports", async (HttpContext context,
                [FromQuery, Description("anthropic-usage, anthropic-cost, openai-usage, openai-costs or focus (a FOCUS 1.x CSV).")] string? format,
                [FromQuery, Description("true (default): only check and show what would be imported.")] bool? dryRun,
                [FromQuery, Description("For focus: the provider value CostConsole's counters carry for this usage (aws.bedrock, azure.ai.openai…).")] string? provider,
                ProviderReportStore store, CancellationToken cancellationToken) =>
            {
                var source = format ?? "";
                if (!ReportSources.Formats.Contains(source))
                {
                    return Results.Problem(title: "Invalid report import", detail: $"format must be one of {string.Join(", ", ReportSources.Formats)} (was '{Echo.Printable(source)}').", statusCode: StatusCodes.Status400BadRequest);
                }

                var text = await ApiBody.ReadTextAsync(context.Request.Body, MaxReportBytes, cancellationToken);
                if (text is null)
                {
                    return Results.Problem(title: "Invalid report import", detail: $"The file is larger than {MaxReportBytes / 1024 / 1024} MB.", statusCode: StatusCodes.Status400BadRequest);
                }

                var actor = context.User.Identity?.Name ?? "api";
                var result = await store.ImportAsync(source, text, actor, "upload (API)", dryRun ?? true, cancellationToken, provider);
                var answer = Answer(result, dryRun ?? true);
                return result.Ok ? Results.Ok(answer) : Results.BadRequest(answer);
            })
            .WithSummary("Imports a provider's usage or cost report (the JSON its admin API returns, one page or an array of pages) or a FOCUS bill (CSV); a dry run unless dryRun=false. Re-importing a period replaces it.")
            .Produces<ReportImportAnswerJson>(StatusCodes.Status200OK).Produces<ReportImportAnswerJson>(StatusCodes.Status400BadRequest);

        group.MapGet("/reports", async (ProviderReportStore store, CancellationToken cancellationToken) =>
                Results.Ok((await store.HistoryAsync(cancellationToken: cancellationToken)).Select(ReportImportJson.Of)))
            .WithSummary("Every report import, newest first (replaced ones name the import that replaced them).")
            .Produces<IReadOnlyList<ReportImportJson>>(StatusCodes.Status200OK);

        group.MapGet("/mappings", async (ReportMappings mappings, CancellationToken cancellationToken) => Results.Ok((await mappings.ListAsync(cancellationToken)).Select(MappingJson.Of)))
            .WithSummary("The rules that map bill rows to models (by SKU, resource or meter) and accounts, API keys or tags to teams, in the order they are tried.")
            .Produces<IReadOnlyList<MappingJson>>(StatusCodes.Status200OK);
        group.MapGet("/mappings/unmapped", async ([FromQuery] string? from, [FromQuery] string? to, ReportMappings mappings, IOptions<LedgerOptions> ledger, CancellationToken cancellationToken) =>
            {
                var (window, problem) = ParseDays(from, to, ledger.Value.MaxQueryDays);
                return problem is not null
                    ? Results.Problem(title: "Invalid query", detail: problem, statusCode: StatusCodes.Status400BadRequest)
                    : Results.Ok(await mappings.UnmappedAsync(window.From, window.To, cancellationToken: cancellationToken));
            })
            .WithSummary("Bill rows of the days [from, to) that no model rule maps, grouped by SKU, resource and meter, most costly first.")
            .Produces<IReadOnlyList<UnmappedBillRow>>(StatusCodes.Status200OK);

        group.MapPost("/mappings", async (HttpContext context, [FromQuery] bool? dryRun, ReportMappings mappings, TimeProvider time, CancellationToken cancellationToken) =>
            {
                var (body, bodyProblem) = await ApiBody.ReadAsync<MappingBody>(context, cancellationToken);
                if (body is null) return Results.Problem(title: "Invalid mapping rule", detail: bodyProblem, statusCode: StatusCodes.Status400BadRequest);
                var rule = body.ToRule();
                if (dryRun ?? false)
                {
                    var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
                    var (rows, amount, problems) = await mappings.PreviewAsync(rule, today.AddDays(-92), today.AddDays(1), cancellationToken);
                    return problems.Count > 0
                        ? Results.Problem(title: "Invalid mapping rule", detail: string.Join(" ", problems), statusCode: StatusCodes.Status400BadRequest)
                        : Results.Ok(new MappingPreviewJson(rows, decimal.Round(amount, 6)));
                }

                var (saved, errors) = await mappings.AddAsync(rule, context.User.Identity?.Name ?? "api", cancellationToken);
                return saved is null
                    ? Results.Problem(title: "Invalid mapping rule", detail: string.Join(" ", errors), statusCode: StatusCodes.Status400BadRequest)
                    : Results.Created($"/api/v1/reconcile/mappings/{saved.Id}", MappingJson.Of(saved));
            })
            .RequireAuthorization(Policies.Editors)
            .DocumentsBody<MappingBody>("application/json")
            .WithSummary("Adds a mapping rule (Engineers and Admins); dryRun=true says how many unmapped bill rows of the last 92 days it would map, and saves nothing.")
            .Produces<MappingJson>(StatusCodes.Status201Created).Produces<MappingPreviewJson>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapDelete("/mappings/{id:long}", async (long id, ReportMappings mappings, CancellationToken cancellationToken) =>
                await mappings.DeleteAsync(id, cancellationToken) ? Results.Ok(new MappingDeletedJson(true, id)) : Results.Problem(title: "No such rule", detail: $"There is no mapping rule {id}.", statusCode: StatusCodes.Status404NotFound))
            .RequireAuthorization(Policies.Editors)
            .WithSummary("Deletes a mapping rule (Engineers and Admins).")
            .Produces<MappingDeletedJson>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status404NotFound);
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
