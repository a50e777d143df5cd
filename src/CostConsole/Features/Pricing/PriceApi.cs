using CostConsole.Features.Hosting;
using CostConsole.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using static CostConsole.Features.ApiBody;

namespace CostConsole.Features.Pricing;

/// <summary>The price API (<c>/api/v1/prices</c>), the rules export and the <c>/metrics</c> price gauge.</summary>
public static class PriceApi
{
    /// <summary>Largest import accepted (LiteLLM's full map is about 1 MB).</summary>
    public const int MaxImportBytes = 8 * 1024 * 1024;

    public static IEndpointRouteBuilder MapPriceApi(this IEndpointRouteBuilder endpoints)
    {
        // One group for the feature; its root path is mapped as "/prices" (a group's "" route would end in a slash).
        var prices = endpoints.MapGroup("/api/v1").WithTags("Prices");
        var read = prices.MapGroup("").RequireAuthorization(Policies.Everyone);
        var edit = prices.MapGroup("").RequireAuthorization(Policies.Editors);

        read.MapGet("/prices", ListAsync).WithSummary("Every price entry, and each model's stamp for changes.");
        read.MapGet("/prices/export", ExportAsync).WithSummary("The price list as CSV (the import format, with a retired column).")
            .Produces<string>(StatusCodes.Status200OK, "text/csv");
        read.MapGet("/prices/audit", AuditAsync).WithSummary("The last 500 changes, newest first; optionally one model's.");

        edit.MapPost("/prices/preview", PreviewAsync).WithSummary("Checks a draft and shows its cost impact without saving.")
            .DocumentsBody<PricePreviewBody>("application/json")
            .Produces<PricePreviewJson>().Produces<PricePreviewJson>(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status400BadRequest);
        edit.MapPost("/prices", AddAsync).WithSummary("Adds a price entry (a new price from an hour on).")
            .DocumentsBody<PriceWriteBody>("application/json").ProducesChange(StatusCodes.Status201Created);
        edit.MapPut("/prices/{id:int}", CorrectAsync).WithSummary("Corrects an entry (a typo, not a price change: that is a new entry).")
            .DocumentsBody<PriceWriteBody>("application/json").ProducesChange(StatusCodes.Status200OK);
        edit.MapPost("/prices/retire", RetireAsync).WithSummary("Ends a model's price from an hour on.")
            .DocumentsBody<PriceRetireBody>("application/json").ProducesChange(StatusCodes.Status201Created);
        edit.MapPost("/prices/import", ImportAsync).WithSummary("Imports a CSV price list or LiteLLM's price map; a dry run unless dryRun=false.")
            .WithDescription("The body is the file itself: the CSV of GET /api/v1/prices/export (format=csv), LiteLLM's model_prices_and_context_window.json (format=litellm), or genai-prices' dated catalogue prices/data.json (format=genai-prices: dated entries at their start dates, the undated one from effectiveFrom).")
            .DocumentsBody<string>("text/csv", "application/json")
            .Produces<PriceImportJson>().Produces<PriceImportJson>(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status400BadRequest);

        read.MapGet("/prometheus/rules", RulesAsync)
            .WithSummary("Prometheus recording and alerting rules that price the token counters with the prices in force.")
            .Produces<string>(StatusCodes.Status200OK, "application/yaml").ProducesProblem(StatusCodes.Status400BadRequest);

        endpoints.MapGet("/metrics", MetricsAsync).RequireAuthorization(Policies.Everyone);
        return endpoints;
    }

    private static async Task<Ok<PriceListJson>> ListAsync(PriceEditor editor, CancellationToken cancellationToken)
    {
        var stored = await editor.ListAsync(cancellationToken);
        return TypedResults.Ok(new PriceListJson(
            [.. stored.GroupBy(p => p.Entry.Model).Select(g => new ModelStampJson(g.Key, PriceEditor.StampOf(stored, g.Key)))],
            [.. stored.Select(StoredPriceJson.Of)]));
    }

    private static async Task<FileContentHttpResult> ExportAsync(PriceEditor editor, TimeProvider time, CancellationToken cancellationToken)
    {
        var stored = await editor.ListAsync(cancellationToken);
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(PriceCsv.Write(stored.Select(p => p.Entry))), "text/csv; charset=utf-8",
            $"costconsole-prices-{time.GetUtcNow():yyyy-MM-dd}.csv");
    }

    private static async Task<Ok<PriceAuditJson[]>> AuditAsync(string? model, PriceEditor editor, CancellationToken cancellationToken) =>
        TypedResults.Ok((await editor.AuditAsync(model, 500, cancellationToken))
            .Select(a => new PriceAuditJson(a.AtUtc.UtcDateTime, a.Actor, a.Action.ToString().ToLowerInvariant(), a.Model, a.PriceId, a.Before, a.After, a.Reason))
            .ToArray());

    private static async Task<IResult> PreviewAsync(HttpContext context, PriceEditor editor, PriceImpact impact, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<PricePreviewBody>(context, cancellationToken);
        if (body is null) return Invalid(problem!);
        var stored = await editor.ListAsync(cancellationToken);
        var replacing = body.Id is { } id ? stored.FirstOrDefault(p => p.Id == id)?.Entry : null;
        if (body.Id is not null && replacing is null) return Invalid($"Price entry {body.Id} does not exist.");
        var check = body.Retire
            ? await editor.CheckRetirementAsync(body.Model, body.EffectiveFrom, cancellationToken)
            : await editor.CheckAsync(body.Draft, body.Id, cancellationToken);
        var result = check.Entry is { } entry ? await impact.PreviewAsync(replacing, entry, cancellationToken) : null;
        return TypedResults.Json(new PricePreviewJson(PriceCheckJson.Of(check), result is null ? null : PriceImpactJson.Of(result)),
            statusCode: check.Valid ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> AddAsync(HttpContext context, PriceEditor editor, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<PriceWriteBody>(context, cancellationToken);
        if (body is null) return Invalid(problem!);
        var change = await editor.AddAsync(body.Draft, body.Reason, body.Stamp ?? "", body.Confirm, Actor(context), cancellationToken);
        return Answer(change, StatusCodes.Status201Created);
    }

    private static async Task<IResult> CorrectAsync(int id, HttpContext context, PriceEditor editor, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<PriceWriteBody>(context, cancellationToken);
        if (body is null) return Invalid(problem!);
        if (body.Version is not { } version) return Invalid("'version' (the entry's version as read) is required, so a concurrent change is not overwritten.");
        var change = await editor.CorrectAsync(id, version, body.Draft, body.Reason, body.Confirm, Actor(context), cancellationToken);
        return Answer(change, StatusCodes.Status200OK);
    }

    private static async Task<IResult> RetireAsync(HttpContext context, PriceEditor editor, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<PriceRetireBody>(context, cancellationToken);
        if (body is null) return Invalid(problem!);
        var change = await editor.RetireAsync(body.Model, body.EffectiveFrom, body.Reason, body.Stamp ?? "", Actor(context), cancellationToken);
        return Answer(change, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ImportAsync(
        HttpContext context,
        PriceImporter importer,
        [FromQuery] string? format,
        [FromQuery] string? effectiveFrom,
        [FromQuery] string? onlySeen,
        [FromQuery] string? dryRun,
        [FromQuery] string? reason,
        CancellationToken cancellationToken)
    {
        format ??= "";
        if (format is not ("csv" or "litellm" or "genai-prices")) return Invalid($"format must be csv, litellm or genai-prices (was '{Echo.Printable(format)}').");
        if (context.Request.ContentLength > MaxImportBytes) return Invalid($"The file is larger than {MaxImportBytes / 1024 / 1024} MB.");
        var text = await ReadTextAsync(context.Request.Body, MaxImportBytes, cancellationToken);
        if (text is null) return Invalid($"The file is larger than {MaxImportBytes / 1024 / 1024} MB.");
        var onlySeenModels = !string.Equals(onlySeen, "false", StringComparison.OrdinalIgnoreCase);
        var isDryRun = !string.Equals(dryRun, "false", StringComparison.OrdinalIgnoreCase);
        var (plan, written) = await importer.ImportAsync(format, text, effectiveFrom, onlySeenModels, isDryRun, Actor(context), reason, cancellationToken);
        var answer = new PriceImportJson(
            written,
            isDryRun,
            plan.Count(ImportKind.Add),
            plan.Count(ImportKind.Change),
            plan.Count(ImportKind.Unchanged),
            plan.Notes,
            [.. plan.Problems.Select(p => p.ToString())],
            [.. plan.ToWrite.Select(i => new ImportItemJson(i.Kind.ToString().ToLowerInvariant(), PriceEntryJson.Of(i.Entry), i.Current is null ? null : PriceEntryJson.Of(i.Current)))]);
        return TypedResults.Json(answer, statusCode: plan.Problems.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    private static async Task<IResult> RulesAsync(
        RulesExport rules,
        [FromQuery] string? variant,
        [FromQuery] string? dailyBudget,
        [FromQuery] string? spikeFactor,
        [FromQuery] string? spikeFloor,
        [FromQuery] string? group,
        CancellationToken cancellationToken)
    {
        var (yaml, problem) = await rules.ExportAsync(new RuleQuery(variant, dailyBudget, spikeFactor, spikeFloor, group), cancellationToken);
        return yaml is null ? Invalid(problem!) : TypedResults.Text(yaml, "application/yaml; charset=utf-8");
    }

    private static async Task<ContentHttpResult> MetricsAsync(PriceStore prices, PriceEditor editor, TimeProvider time, CancellationToken cancellationToken)
    {
        var book = await prices.LoadAsync(cancellationToken);
        var seen = (await editor.SeenModelsAsync(cancellationToken)).Select(m => m.Model).ToList();
        var inForce = PriceMetrics.InForce(book, seen, time.GetUtcNow());
        var unpriced = seen.Count(m => !inForce.ContainsKey(m));
        return TypedResults.Text(PriceMetrics.Write(inForce, unpriced, PriceMetrics.VariantsInForce(book, seen, time.GetUtcNow())), "text/plain; version=0.0.4; charset=utf-8");
    }

    private static ProblemHttpResult Invalid(string detail) => TypedResults.Problem(title: "Invalid request", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    private static RouteHandlerBuilder ProducesChange(this RouteHandlerBuilder builder, int okStatus) => builder
        .Produces<PriceChangeJson>(okStatus)
        .Produces<PriceChangeJson>(StatusCodes.Status400BadRequest)
        .Produces<PriceChangeJson>(StatusCodes.Status409Conflict)
        .Produces<PriceChangeJson>(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status400BadRequest);

    private static JsonHttpResult<PriceChangeJson> Answer(PriceChange change, int okStatus)
    {
        var check = PriceCheckJson.Of(change.Check);
        if (change.Saved) return TypedResults.Json(new PriceChangeJson(true, null, false, null, check), statusCode: okStatus);
        var status = change.Conflict is not null ? StatusCodes.Status409Conflict
            : change.NeedsConfirmation ? StatusCodes.Status422UnprocessableEntity
            : StatusCodes.Status400BadRequest;
        var detail = change.NeedsConfirmation ? "Send again with \"confirm\": true if these are meant." : string.Join(" ", change.Problems);
        return TypedResults.Json(new PriceChangeJson(false, change.Conflict, change.NeedsConfirmation, detail, check), statusCode: status);
    }

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
