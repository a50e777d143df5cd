using System.Globalization;
using System.Text.Json;
using CostConsole.Features.Identity;
using static CostConsole.Features.ApiBody;
using CostConsole.Features.Spend;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Pricing;

/// <summary>The price API, the rules export and the <c>/metrics</c> price gauge.</summary>
public static class PriceEndpoints
{
    /// <summary>Largest import accepted (LiteLLM's full map is about 1 MB).</summary>
    public const int MaxImportBytes = 8 * 1024 * 1024;

    public static IServiceCollection AddCostConsolePricing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RuleOptions>().Bind(configuration.GetSection(RuleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RuleOptions>, ValidateRuleOptions>();
        services.AddSingleton<PriceStore>();
        services.AddSingleton<IPriceSource>(provider => provider.GetRequiredService<PriceStore>());
        services.AddSingleton<PriceEditor>();
        services.AddSingleton<PriceImpact>();
        services.AddSingleton<PriceImporter>();
        services.AddSingleton<RulesExport>();
        return services;
    }

    public static IEndpointRouteBuilder MapPriceApi(this IEndpointRouteBuilder endpoints)
    {

        endpoints.MapGet("/api/v1/prices", async (PriceEditor editor, CancellationToken cancellationToken) =>
        {
            var stored = await editor.ListAsync(cancellationToken);
            return Results.Json(new
            {
                models = stored.GroupBy(p => p.Entry.Model).Select(g => new { model = g.Key, stamp = PriceEditor.StampOf(stored, g.Key) }),
                entries = stored.Select(ToJson),
            });
        }).RequireAuthorization(Policies.Everyone);

        endpoints.MapGet("/api/v1/prices/export", async (PriceEditor editor, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var stored = await editor.ListAsync(cancellationToken);
            return Results.File(System.Text.Encoding.UTF8.GetBytes(PriceCsv.Write(stored.Select(p => p.Entry))), "text/csv; charset=utf-8",
                $"costconsole-prices-{time.GetUtcNow():yyyy-MM-dd}.csv");
        }).RequireAuthorization(Policies.Everyone);

        endpoints.MapGet("/api/v1/prices/audit", async (string? model, PriceEditor editor, CancellationToken cancellationToken) =>
            Results.Json((await editor.AuditAsync(model, 500, cancellationToken)).Select(a => new
            {
                at = a.AtUtc.UtcDateTime,
                actor = a.Actor,
                action = a.Action.ToString().ToLowerInvariant(),
                model = a.Model,
                priceId = a.PriceId,
                before = a.Before,
                after = a.After,
                reason = a.Reason,
            }))).RequireAuthorization(Policies.Everyone);

        endpoints.MapPost("/api/v1/prices/preview", async (HttpContext context, PriceEditor editor, PriceImpact impact, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadBodyAsync(context, cancellationToken);
            if (body is null) return Invalid(problem!);
            using (body)
            {
                var id = Int(body.RootElement, "id");
                var stored = await editor.ListAsync(cancellationToken);
                var replacing = id is { } i ? stored.FirstOrDefault(p => p.Id == i)?.Entry : null;
                if (id is not null && replacing is null) return Invalid($"Price entry {id} does not exist.");
                var check = Bool(body.RootElement, "retire")
                    ? await editor.CheckRetirementAsync(Text(body.RootElement, "model"), Text(body.RootElement, "effectiveFrom"), cancellationToken)
                    : await editor.CheckAsync(Draft(body.RootElement), id, cancellationToken);
                var result = check.Entry is { } entry ? await impact.PreviewAsync(replacing, entry, cancellationToken) : null;
                return Results.Json(new { check = ToJson(check), impact = result is null ? null : ToJson(result) }, statusCode: check.Valid ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
            }
        }).RequireAuthorization(Policies.Editors);

        endpoints.MapPost("/api/v1/prices", async (HttpContext context, PriceEditor editor, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadBodyAsync(context, cancellationToken);
            if (body is null) return Invalid(problem!);
            using (body)
            {
                var root = body.RootElement;
                var change = await editor.AddAsync(Draft(root), Text(root, "reason"), Text(root, "stamp") ?? "", Bool(root, "confirm"), Actor(context), cancellationToken);
                return Answer(change, StatusCodes.Status201Created);
            }
        }).RequireAuthorization(Policies.Editors);

        endpoints.MapPut("/api/v1/prices/{id:int}", async (int id, HttpContext context, PriceEditor editor, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadBodyAsync(context, cancellationToken);
            if (body is null) return Invalid(problem!);
            using (body)
            {
                var root = body.RootElement;
                if (Int(root, "version") is not { } version) return Invalid("'version' (the entry's version as read) is required, so a concurrent change is not overwritten.");
                var change = await editor.CorrectAsync(id, version, Draft(root), Text(root, "reason"), Bool(root, "confirm"), Actor(context), cancellationToken);
                return Answer(change, StatusCodes.Status200OK);
            }
        }).RequireAuthorization(Policies.Editors);

        endpoints.MapPost("/api/v1/prices/retire", async (HttpContext context, PriceEditor editor, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadBodyAsync(context, cancellationToken);
            if (body is null) return Invalid(problem!);
            using (body)
            {
                var root = body.RootElement;
                var change = await editor.RetireAsync(Text(root, "model"), Text(root, "effectiveFrom"), Text(root, "reason"), Text(root, "stamp") ?? "", Actor(context), cancellationToken);
                return Answer(change, StatusCodes.Status201Created);
            }
        }).RequireAuthorization(Policies.Editors);

        endpoints.MapPost("/api/v1/prices/import", async (HttpContext context, PriceImporter importer, CancellationToken cancellationToken) =>
        {
            var query = context.Request.Query;
            var format = query["format"].ToString();
            if (format is not ("csv" or "litellm")) return Invalid($"format must be csv or litellm (was '{Echo.Printable(format)}').");
            if (context.Request.ContentLength > MaxImportBytes) return Invalid($"The file is larger than {MaxImportBytes / 1024 / 1024} MB.");
            var text = await ReadTextAsync(context.Request.Body, MaxImportBytes, cancellationToken);
            if (text is null) return Invalid($"The file is larger than {MaxImportBytes / 1024 / 1024} MB.");
            var onlySeen = !string.Equals(query["onlySeen"], "false", StringComparison.OrdinalIgnoreCase);
            var dryRun = !string.Equals(query["dryRun"], "false", StringComparison.OrdinalIgnoreCase);
            var (plan, written) = await importer.ImportAsync(format, text, query["effectiveFrom"], onlySeen, dryRun, Actor(context), query["reason"], cancellationToken);
            var json = new
            {
                written,
                dryRun,
                adds = plan.Count(ImportKind.Add),
                changes = plan.Count(ImportKind.Change),
                unchanged = plan.Count(ImportKind.Unchanged),
                notes = plan.Notes,
                problems = plan.Problems.Select(p => p.ToString()),
                items = plan.ToWrite.Select(i => new
                {
                    kind = i.Kind.ToString().ToLowerInvariant(),
                    entry = ToJson(i.Entry),
                    current = i.Current is null ? null : ToJson(i.Current),
                }),
            };
            return plan.Problems.Count > 0 ? Results.Json(json, statusCode: StatusCodes.Status400BadRequest) : Results.Json(json);
        }).RequireAuthorization(Policies.Editors);

        endpoints.MapGet("/api/v1/prometheus/rules", async (HttpContext context, RulesExport rules, CancellationToken cancellationToken) =>
        {
            var (yaml, problem) = await rules.ExportAsync(context.Request.Query, cancellationToken);
            return yaml is null ? Invalid(problem!) : Results.Text(yaml, "application/yaml; charset=utf-8");
        }).RequireAuthorization(Policies.Everyone);

        endpoints.MapGet("/metrics", async (PriceStore prices, PriceEditor editor, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var book = await prices.LoadAsync(cancellationToken);
            var seen = (await editor.SeenModelsAsync(cancellationToken)).Select(m => m.Model).ToList();
            var now = time.GetUtcNow();
            var inForce = PriceMetrics.InForce(book, seen, now);
            var unpriced = seen.Count(m => !inForce.ContainsKey(m));
            return Results.Text(PriceMetrics.Write(inForce, unpriced), "text/plain; version=0.0.4; charset=utf-8");
        }).RequireAuthorization(Policies.Everyone);

        return endpoints;
    }

    private static IResult Invalid(string detail) => Results.Problem(title: "Invalid request", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    private static IResult Answer(PriceChange change, int okStatus)
    {
        if (change.Saved) return Results.Json(new { saved = true, check = ToJson(change.Check) }, statusCode: okStatus);
        var status = change.Conflict is not null ? StatusCodes.Status409Conflict
            : change.NeedsConfirmation ? StatusCodes.Status422UnprocessableEntity
            : StatusCodes.Status400BadRequest;
        return Results.Json(new
        {
            saved = false,
            conflict = change.Conflict,
            needsConfirmation = change.NeedsConfirmation,
            detail = change.NeedsConfirmation ? "Send again with \"confirm\": true if these are meant." : string.Join(" ", change.Problems),
            check = ToJson(change.Check),
        }, statusCode: status);
    }

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";

    private static PriceDraft Draft(JsonElement root) => new(Text(root, "model"), Text(root, "effectiveFrom"), Text(root, "input"), Text(root, "output"), Text(root, "cachedInput"), Text(root, "cacheWrite"));

    public static object ToJson(StoredPrice p) => new
    {
        id = p.Id,
        version = p.Version,
        entry = ToJson(p.Entry),
        createdUtc = p.CreatedUtc.UtcDateTime,
        createdBy = p.CreatedBy,
        updatedUtc = p.UpdatedUtc?.UtcDateTime,
        updatedBy = p.UpdatedBy,
    };

    public static object ToJson(PriceEntry e) => new
    {
        model = e.Model,
        effectiveFrom = e.EffectiveFrom.UtcDateTime,
        retired = e.Retired,
        input = e.Retired ? (decimal?)null : e.InputPerMTok,
        cachedInput = e.CachedInputPerMTok,
        cacheWrite = e.CacheWritePerMTok,
        output = e.Retired ? (decimal?)null : e.OutputPerMTok,
    };

    private static object ToJson(PriceCheck c) => new { valid = c.Valid, errors = c.Errors, confirmations = c.Confirmations, warnings = c.Warnings, catches = c.Catches };

    private static object ToJson(PriceImpactResult r) => new
    {
        models = r.Models,
        ledgerThrough = r.LedgerThrough?.UtcDateTime,
        windows = r.Windows.Select(w => new
        {
            label = w.Label,
            from = w.From.UtcDateTime,
            to = w.To.UtcDateTime,
            beforeUsd = decimal.Round(w.Before, 6),
            afterUsd = decimal.Round(w.After, 6),
            changePercent = w.ChangePercent is { } p ? decimal.Round(p, 2) : (decimal?)null,
            unpricedTokensBefore = w.UnpricedBefore,
            unpricedTokensAfter = w.UnpricedAfter,
            features = w.Features.Select(f => new { feature = f.Feature, beforeUsd = decimal.Round(f.Before, 6), afterUsd = decimal.Round(f.After, 6) }),
        }),
    };
}

/// <summary>Parses an import file, plans it against the stored prices and, unless it is a dry run, writes it.</summary>
public sealed class PriceImporter(PriceStore store, PriceEditor editor, TimeProvider time)
{
    public async Task<(ImportPlan Plan, int Written)> ImportAsync(string format, string text, string? effectiveFrom, bool onlySeen, bool dryRun, string actor, string? reason, CancellationToken cancellationToken = default)
    {
        var book = await store.LoadAsync(cancellationToken);
        IReadOnlyCollection<string>? only = onlySeen
            ? [.. (await editor.SeenModelsAsync(cancellationToken)).Select(m => m.Model).Concat(book.Entries.Select(e => e.Model)).Distinct(StringComparer.Ordinal)]
            : null;
        ImportPlan plan;
        if (format == "litellm")
        {
            List<string> errors = [];
            var from = PriceValidation.ParseHour(effectiveFrom, "effectiveFrom", time.GetUtcNow(), errors);
            var (prices, problems, skipped) = LiteLlmPrices.Parse(text);
            List<ImportProblem> all = [.. errors.Select(e => new ImportProblem(0, e, "effectiveFrom")), .. problems];
            var entries = from is null ? [] : prices.Select(p => new PriceEntry(p.Model, from.Value, p.Input, p.Output, p.Cached, p.CacheWrite)).ToList();
            plan = PriceImportPlanner.Plan(entries, book, only, all, skipped);
        }
        else
        {
            var (entries, problems) = PriceCsv.Parse(text);
            plan = PriceImportPlanner.Plan(entries, book, only, problems);
        }

        var why = (reason ?? "").Trim();
        if (PriceEditor.ReasonProblem(why, required: false) is { } reasonProblem)
        {
            plan = plan with { Problems = [.. plan.Problems, new ImportProblem(0, reasonProblem, "reason")] };
        }

        var toWrite = plan.ToWrite.Select(i => i.Entry).ToList();
        if (dryRun || plan.Problems.Count > 0 || toWrite.Count == 0)
        {
            return (plan, 0);
        }

        var clashes = await store.ImportAsync(toWrite, actor, why.Length > 0 ? why : $"{format} import", cancellationToken);
        return clashes.Count > 0 ? (plan with { Problems = clashes, Items = [] }, 0) : (plan, toWrite.Count);
    }
}

/// <summary>Builds the rules file from the query string (variant, budget, spike settings) and the prices in force.</summary>
public sealed class RulesExport(PriceStore prices, PriceEditor editor, IOptions<PrometheusOptions> prometheus, IOptions<RuleOptions> rules, TimeProvider time)
{
    public RuleSettings Defaults => rules.Value.ToSettings();

    public async Task<(string? Yaml, string? Problem)> ExportAsync(IQueryCollection query, CancellationToken cancellationToken = default)
    {
        var variantText = query["variant"].ToString();
        if (!TryVariant(variantText, out var variant)) return (null, $"variant must be gauge or inline (was '{Echo.Printable(variantText)}').");
        var defaults = Defaults;
        List<string> problems = [];
        decimal Number(string name, decimal fallback)
        {
            var text = query[name].ToString();
            if (text.Length == 0) return fallback;
            if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)) return value;
            problems.Add($"{name} '{Echo.Printable(text)}' is not a number.");
            return fallback;
        }

        var settings = new RuleSettings(Number("dailyBudget", defaults.DailyBudgetUsd), Number("spikeFactor", defaults.SpikeFactor), Number("spikeFloor", defaults.SpikeFloorUsdPerHour),
            query["group"].ToString() is { Length: > 0 } group ? group : defaults.GroupName);
        problems.AddRange(settings.Problems());
        if (problems.Count > 0) return (null, string.Join(" ", problems));
        return (await ExportAsync(variant, settings, cancellationToken), null);
    }

    public async Task<string> ExportAsync(RuleVariant variant, RuleSettings settings, CancellationToken cancellationToken = default)
    {
        var book = await prices.LoadAsync(cancellationToken);
        var seen = (await editor.SeenModelsAsync(cancellationToken)).Select(m => m.Model);
        var now = time.GetUtcNow();
        return CostRules.Write(prometheus.Value.ActiveProfile(), variant, settings, PriceMetrics.InForce(book, seen, now), now);
    }

    public static bool TryVariant(string text, out RuleVariant variant)
    {
        variant = text is "" or "gauge" ? RuleVariant.Gauge : RuleVariant.Inline;
        return text is "" or "gauge" or "inline";
    }
}
