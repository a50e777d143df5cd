namespace CostConsole.Features.Pricing;

/// <summary>Parses an import file, plans it against the stored prices and, unless it is a dry run, writes it.</summary>
public sealed class PriceImporter(PriceStore store, PriceEditor editor, Ledger.DimensionSets dimensionSets,
    Microsoft.Extensions.Options.IOptions<Prometheus.PrometheusOptions> prometheus, TimeProvider time)
{
    public async Task<(ImportPlan Plan, int Written)> ImportAsync(string format, string text, string? effectiveFrom, bool onlySeen, bool dryRun, string actor, string? reason, CancellationToken cancellationToken = default)
    {
        var book = await store.LoadAsync(cancellationToken);
        IReadOnlyCollection<string>? only = onlySeen
            ? [.. (await editor.SeenModelsAsync(cancellationToken)).Select(m => m.Model).Concat(book.Entries.Select(e => e.Model)).Distinct(StringComparer.Ordinal)]
            : null;
        ImportPlan plan;
        if (format == "genai-prices")
        {
            // Dated entries carry their own start; the undated price of each model needs the import's hour.
            List<string> errors = [];
            var from = string.IsNullOrWhiteSpace(effectiveFrom) ? null : PriceValidation.ParseHour(effectiveFrom, "effectiveFrom", time.GetUtcNow(), errors);
            var seen = onlySeen ? (await editor.SeenModelsAsync(cancellationToken)).Select(m => m.Model).ToList() : null;
            var catalogue = GenAiPrices.Parse(text, from, seen);
            plan = PriceImportPlanner.Plan(catalogue.Entries, book, only, [.. errors.Select(e => new ImportProblem(0, e, "effectiveFrom")), .. catalogue.Problems], catalogue.Skipped);
            plan = plan with { Notes = [.. plan.Notes, .. catalogue.Notes] };
        }
        else if (format == "litellm")
        {
            List<string> errors = [];
            var from = PriceValidation.ParseHour(effectiveFrom, "effectiveFrom", time.GetUtcNow(), errors);
            var (prices, problems, skipped) = LiteLlmPrices.Parse(text);
            List<ImportProblem> all = [.. errors.Select(e => new ImportProblem(0, e, "effectiveFrom")), .. problems];
            // A variant is imported only where a label can select it: the served tier, or a value the ledger holds.
            List<string> notes = [];
            var tierLabel = prometheus.Value.ActiveProfile().LabelsOf("variant").Count > 0;
            var seenVariants = (await dimensionSets.ValuesAsync(cancellationToken))["variant"];
            var entries = from is null ? [] : LiteLlmPrices.Entries(prices, from.Value, tierLabel, seenVariants, only, notes);
            plan = PriceImportPlanner.Plan(entries, book, only, all, skipped);
            plan = plan with { Notes = [.. plan.Notes, .. notes] };
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

        var retention = await editor.RetentionCheckAsync(cancellationToken);
        foreach (var item in plan.ToWrite)
        {
            if (retention(item.Entry.EffectiveFrom) is { } problem)
            {
                plan = plan with { Problems = [.. plan.Problems, new ImportProblem(0, problem, "\"" + PriceValidation.Shown(item.Entry.Model) + "\"")] };
            }
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
