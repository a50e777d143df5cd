using System.Globalization;
using System.Text.Json;

namespace CostConsole.Features.Pricing;

public enum ImportKind
{
    /// <summary>The model has no price in force at that hour yet.</summary>
    Add,
    /// <summary>The model has a different price in force at that hour.</summary>
    Change,
    /// <summary>The same prices are already in force: nothing to write.</summary>
    Unchanged,
}

public sealed record PlannedPrice(PriceEntry Entry, PriceEntry? Current, ImportKind Kind);

/// <summary>What an import would write, before anything is written; <see cref="Problems"/> non-empty means it writes nothing.</summary>
public sealed record ImportPlan(IReadOnlyList<PlannedPrice> Items, IReadOnlyList<ImportProblem> Problems, IReadOnlyList<string> Notes)
{
    public IEnumerable<PlannedPrice> ToWrite => Items.Where(i => i.Kind != ImportKind.Unchanged);

    public int Count(ImportKind kind) => Items.Count(i => i.Kind == kind);
}

/// <summary>
/// Reads the community price map LiteLLM publishes (<c>model_prices_and_context_window.json</c>): an object of
/// models, each with per-token USD prices, converted here to USD per 1M tokens. A file with any bad value yields no
/// prices, only the problems, each naming its key.
/// </summary>
public static class LiteLlmPrices
{
    public const int MaxModels = 20_000;

    private const decimal PerMillion = 1_000_000m;

    public static (IReadOnlyList<(string Model, decimal Input, decimal Output, decimal? Cached, decimal? CacheWrite)> Prices, IReadOnlyList<ImportProblem> Problems, int Skipped) Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            return ([], [new ImportProblem((int)(ex.LineNumber ?? 0) + 1, $"the file is not valid JSON ({FirstSentence(ex.Message)})")], 0);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ([], [new ImportProblem(1, "the file must be a JSON object of models (the format of model_prices_and_context_window.json)")], 0);
            }

            List<(string, decimal, decimal, decimal?, decimal?)> prices = [];
            List<ImportProblem> problems = [];
            var skipped = 0;
            foreach (var model in document.RootElement.EnumerateObject())
            {
                if (model.Name == "sample_spec")
                {
                    continue;
                }

                var key = Key(model.Name);
                if (model.Value.ValueKind != JsonValueKind.Object)
                {
                    problems.Add(new ImportProblem(0, $"expected an object of prices, found {model.Value.ValueKind.ToString().ToLowerInvariant()}", key));
                    continue;
                }

                var modelProblems = PriceValidation.ValidateModel(model.Name).ToList();
                var input = Price(model.Value, "input_cost_per_token", modelProblems);
                var output = Price(model.Value, "output_cost_per_token", modelProblems);
                var cached = Price(model.Value, "cache_read_input_token_cost", modelProblems);
                var cacheWrite = Price(model.Value, "cache_creation_input_token_cost", modelProblems);
                problems.AddRange(modelProblems.Select(p => new ImportProblem(0, p, key)));
                if (modelProblems.Count > 0)
                {
                    continue;
                }

                if (input is null || output is null)
                {
                    // Priced per image, per second or per character: not a token price this console can use.
                    skipped++;
                    continue;
                }

                prices.Add((model.Name, input.Value, output.Value, cached, cacheWrite));
            }

            if (prices.Count > MaxModels)
            {
                problems.Add(new ImportProblem(1, $"the file has {prices.Count:N0} priced models; at most {MaxModels:N0} are read at once"));
            }

            if (problems.Count == 0 && prices.Count == 0)
            {
                problems.Add(new ImportProblem(1, "the file has no model with input_cost_per_token and output_cost_per_token"));
            }

            return problems.Count > 0 ? ([], problems, skipped) : (prices, [], skipped);
        }
    }

    private static decimal? Price(JsonElement model, string property, List<string> problems)
    {
        if (!model.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var raw = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString() ?? "",
            _ => null,
        };
        if (raw is null || !decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var perToken))
        {
            problems.Add($"{property} {Shown(value)} is not a number (USD per token, e.g. 2.5e-06)");
            return null;
        }

        if (perToken < 0)
        {
            problems.Add($"{property} {raw} is negative");
            return null;
        }

        var perMillion = Math.Round(perToken * PerMillion, 6);
        if (perMillion > PriceValidation.AbsurdPrice)
        {
            problems.Add($"{property} {raw} per token is {PriceValidation.Money(perMillion)} per 1M tokens, over {PriceValidation.Money(PriceValidation.AbsurdPrice)}: is it already per 1M?");
            return null;
        }

        return perMillion;
    }

    private static string Key(string name) => "\"" + PriceValidation.Shown(name) + "\"";

    private static string Shown(JsonElement value) => PriceValidation.Shown(value.GetRawText());

    private static string FirstSentence(string message) => message.Split(". ")[0].TrimEnd('.');
}

/// <summary>Turns parsed entries into a plan against the stored prices: adds, changes, unchanged, and clashes.</summary>
public static class PriceImportPlanner
{
    public static ImportPlan Plan(IReadOnlyList<PriceEntry> entries, PriceBook stored, IReadOnlyCollection<string>? onlyModels, IReadOnlyList<ImportProblem>? problems = null, int skipped = 0)
    {
        List<string> notes = [];
        if (skipped > 0)
        {
            notes.Add($"{skipped:N0} models without per-token input and output prices were skipped.");
        }

        var chosen = entries.ToList();
        if (onlyModels is not null)
        {
            var before = chosen.Count;
            chosen = [.. chosen.Where(e => e.IsPattern || onlyModels.Contains(e.Model))];
            if (before > chosen.Count)
            {
                notes.Add($"{before - chosen.Count:N0} models that are neither seen in the ledger nor priced already were left out.");
            }
        }

        if (problems is { Count: > 0 })
        {
            return new ImportPlan([], problems, notes);
        }

        var existing = stored.Entries.Select(e => (e.Model, e.Variant, e.EffectiveFrom)).ToHashSet();
        List<ImportProblem> clashes = [];
        List<PlannedPrice> items = [];
        foreach (var (entry, index) in chosen.Select((e, i) => (e, i)))
        {
            if (existing.Contains((entry.Model, entry.Variant, entry.EffectiveFrom)))
            {
                clashes.Add(new ImportProblem(index + 2, $"{entry.Model} already has a stored entry from {PriceValidation.Hour(entry.EffectiveFrom)}; correct it in the price editor, or import with another effective-from", "\"" + PriceValidation.Shown(entry.Model) + "\""));
                continue;
            }

            var current = entry.IsPattern || !entry.IsBase
                ? stored.Entries.LastOrDefault(e => e.Model == entry.Model && e.Variant == entry.Variant && e.EffectiveFrom <= entry.EffectiveFrom)
                : stored.PriceAt(entry.Model, entry.EffectiveFrom);
            var kind = current is null || current.Retired ? ImportKind.Add
                : SamePrices(current, entry) ? ImportKind.Unchanged
                : ImportKind.Change;
            items.Add(new PlannedPrice(entry, current is { Retired: false } ? current : null, kind));
        }

        return clashes.Count > 0 ? new ImportPlan([], clashes, notes) : new ImportPlan(items, [], notes);
    }

    private static bool SamePrices(PriceEntry a, PriceEntry b) =>
        a.InputPerMTok == b.InputPerMTok && a.OutputPerMTok == b.OutputPerMTok && a.EffectiveCachedInput == b.EffectiveCachedInput && a.EffectiveCacheWrite == b.EffectiveCacheWrite && a.EffectiveCacheWrite1h == b.EffectiveCacheWrite1h && a.Retired == b.Retired && a.Multiplier == b.Multiplier;
}
