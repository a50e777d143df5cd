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

/// <summary>A price variant LiteLLM's map gives for a model: a multiplier of its base, or prices of its own.</summary>
/// <param name="ServiceTier">A service tier (flex, priority, batch): the served-tier label selects it. Otherwise a
/// regional or mode multiplier (us, eu, fast), which only a label carrying that value can select.</param>
/// <param name="FromBase">Token types the file gives no tier price for, taken from the base (own-price variants only).</param>
public sealed record LiteLlmVariant(string Name, bool ServiceTier, decimal? Multiplier, decimal Input, decimal Output, decimal? Cached, decimal? CacheWrite, IReadOnlyList<string> FromBase);

/// <summary>One model of LiteLLM's map, USD per 1M tokens, with its variants and the context tiers it names.</summary>
public sealed record LiteLlmModel(string Model, decimal Input, decimal Output, decimal? Cached, decimal? CacheWrite, decimal? CacheWrite1h = null)
{
    public IReadOnlyList<LiteLlmVariant> Variants { get; init; } = [];

    /// <summary>Context tiers (prices above N input tokens), which no label selects: listed, never imported.</summary>
    public IReadOnlyList<string> ContextTiers { get; init; } = [];

    /// <summary>Multiplier entries that are not a usable multiplier (not a number in (0, 100], or not a valid variant name): listed, not imported.</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];
}

/// <summary>
/// Reads the community price map LiteLLM publishes (<c>model_prices_and_context_window.json</c>): an object of
/// models, each with per-token USD prices, converted here to USD per 1M tokens. A file with any bad value yields no
/// prices, only the problems, each naming its key.
/// <para>
/// Keys read, as BerriAI/litellm's map holds them (commit 00035b69, e.g. gpt-5.6, claude-sonnet-4-5, claude-opus-4-6):
/// <c>input_cost_per_token</c>, <c>output_cost_per_token</c>, <c>cache_read_input_token_cost</c>,
/// <c>cache_creation_input_token_cost</c> and <c>cache_creation_input_token_cost_above_1hr</c> (1-hour cache writes);
/// the same four with a service-tier suffix <c>_flex</c>, <c>_priority</c> or <c>_batches</c> (the batch tier);
/// <c>regional_processing_uplift_multiplier_&lt;region&gt;</c> and <c>provider_specific_entry</c> (e.g.
/// <c>{"us": 1.1, "fast": 6.0}</c>) as multipliers; and any key with <c>_above_&lt;N&gt;k_tokens</c>, a context tier.
/// </para>
/// </summary>
public static partial class LiteLlmPrices
{
    public const int MaxModels = 20_000;

    private const decimal PerMillion = 1_000_000m;

    /// <summary>Key suffix → variant name: the tiers a served-tier label (OpenAI's and Anthropic's service_tier) carries.</summary>
    private static readonly (string Suffix, string Variant)[] ServiceTiers = [("flex", "flex"), ("priority", "priority"), ("batches", "batch")];

    [System.Text.RegularExpressions.GeneratedRegex(@"_above_(\d+k)_tokens")]
    private static partial System.Text.RegularExpressions.Regex ContextTier();

    public static (IReadOnlyList<LiteLlmModel> Prices, IReadOnlyList<ImportProblem> Problems, int Skipped) Parse(string json)
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

            List<LiteLlmModel> prices = [];
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
                var cacheWrite1h = Price(model.Value, "cache_creation_input_token_cost_above_1hr", modelProblems);
                List<string> ignored = [];
                var variants = input is { } i && output is { } o ? Variants(model.Value, new LiteLlmModel(model.Name, i, o, cached, cacheWrite), modelProblems, ignored) : [];
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

                var tiers = model.Value.EnumerateObject().Select(p => ContextTier().Match(p.Name)).Where(m => m.Success)
                    .Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                prices.Add(new LiteLlmModel(model.Name, input.Value, output.Value, cached, cacheWrite, cacheWrite1h) { Variants = variants, ContextTiers = tiers, Ignored = ignored });
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

    /// <summary>
    /// The model's variants. A service tier whose given prices are all the same multiple of the base becomes a
    /// multiplier variant (which then also scales the token types the file leaves out, as tier discounts stack with
    /// cache discounts); otherwise it keeps its own prices, the missing ones taken from the base and named.
    /// </summary>
    private static List<LiteLlmVariant> Variants(JsonElement model, LiteLlmModel basePrice, List<string> problems, List<string> ignored)
    {
        List<LiteLlmVariant> variants = [];
        foreach (var (suffix, name) in ServiceTiers)
        {
            var fields = new (string Type, decimal? Tier, decimal? Base)[]
            {
                ("input", Price(model, $"input_cost_per_token_{suffix}", problems), basePrice.Input),
                ("output", Price(model, $"output_cost_per_token_{suffix}", problems), basePrice.Output),
                ("cached input", Price(model, $"cache_read_input_token_cost_{suffix}", problems), basePrice.Cached),
                ("cache write", Price(model, $"cache_creation_input_token_cost_{suffix}", problems), basePrice.CacheWrite),
            };
            var given = fields.Where(f => f.Tier is not null).ToList();
            if (given.Count == 0)
            {
                continue;
            }

            var ratios = given.Select(f => f.Base is > 0 ? Math.Round(f.Tier!.Value / f.Base.Value, 6) : (decimal?)null).Distinct().ToList();
            if (ratios is [{ } ratio] && ratio is > 0 and <= 100 && given.All(f => Math.Round(f.Base!.Value * ratio, 6) == f.Tier))
            {
                variants.Add(new LiteLlmVariant(name, true, ratio, 0m, 0m, null, null, []));
                continue;
            }

            var missing = fields.Where(f => f.Tier is null && f.Base is not null).Select(f => f.Type).ToList();
            variants.Add(new LiteLlmVariant(name, true, null, fields[0].Tier ?? basePrice.Input, fields[1].Tier ?? basePrice.Output,
                fields[2].Tier ?? basePrice.Cached, fields[3].Tier ?? basePrice.CacheWrite, missing));
        }

        IEnumerable<(string Name, JsonElement Value)> multipliers = model.EnumerateObject()
            .Where(p => p.Name.StartsWith(RegionalPrefix, StringComparison.Ordinal) && p.Name.Length > RegionalPrefix.Length)
            .Select(p => (p.Name[RegionalPrefix.Length..], p.Value));
        if (model.TryGetProperty("provider_specific_entry", out var specific) && specific.ValueKind == JsonValueKind.Object)
        {
            multipliers = multipliers.Concat(specific.EnumerateObject().Select(p => (p.Name, p.Value)));
        }

        foreach (var (name, value) in multipliers)
        {
            if (variants.Any(v => v.Name == name))
            {
                continue;
            }

            var problem = PriceValidation.ValidateVariant(name).FirstOrDefault();
            if (problem is null && value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var multiplier) && multiplier is > 0 and <= 100)
            {
                variants.Add(new LiteLlmVariant(name, false, multiplier, 0m, 0m, null, null, []));
            }
            else
            {
                // Not a price: the map may hold other provider-specific values here. Listed, never applied.
                ignored.Add($"{PriceValidation.Shown(name)} {Shown(value)}");
            }
        }

        return variants;
    }

    private const string RegionalPrefix = "regional_processing_uplift_multiplier_";

    /// <summary>
    /// The entries to import from <paramref name="from"/>: each model's base price, and the variants a label can
    /// select — service tiers when the metric profile reads a served-tier label, any other variant when the ledger
    /// has seen its value. The rest, and every context tier, go into <paramref name="notes"/> ("needs a label").
    /// </summary>
    public static IReadOnlyList<PriceEntry> Entries(IReadOnlyList<LiteLlmModel> models, DateTimeOffset from, bool tierLabel, IReadOnlySet<string> seenVariants,
        IReadOnlyCollection<string>? onlyModels, List<string> notes)
    {
        List<PriceEntry> entries = [];
        List<string> unselectable = [], fromBase = [], contextTiers = [], ignored = [];
        foreach (var model in models)
        {
            entries.Add(new PriceEntry(model.Model, from, model.Input, model.Output, model.Cached, model.CacheWrite, CacheWrite1hPerMTok: model.CacheWrite1h));
            // Notes name only the models the import keeps (the planner leaves out the others and counts them).
            var listed = onlyModels is null || onlyModels.Contains(model.Model);
            var name = PriceValidation.Shown(model.Model);
            foreach (var variant in model.Variants)
            {
                var shown = $"{name} “{PriceValidation.Shown(variant.Name)}”";
                if (!(variant.ServiceTier ? tierLabel : seenVariants.Contains(variant.Name)))
                {
                    if (listed) unselectable.Add(variant.Multiplier is { } m ? $"{shown} ({m.ToString("0.######", CultureInfo.InvariantCulture)}×)" : shown);
                    continue;
                }

                entries.Add(variant.Multiplier is { } multiplier
                    ? new PriceEntry(model.Model, from, 0m, 0m, Variant: variant.Name, Multiplier: multiplier)
                    : new PriceEntry(model.Model, from, variant.Input, variant.Output, variant.Cached, variant.CacheWrite, Variant: variant.Name));
                if (listed && variant.FromBase.Count > 0) fromBase.Add($"{shown} ({string.Join(", ", variant.FromBase)})");
            }

            if (!listed) continue;
            if (model.ContextTiers.Count > 0) contextTiers.Add($"{name} (above {string.Join(", ", model.ContextTiers)})");
            ignored.AddRange(model.Ignored.Select(i => $"{name} {i}"));
        }

        Note(notes, "Variants no label selects, not imported (needs a label" + (tierLabel ? "" : ": map the served tier with Prometheus:Labels:variant") + ")", unselectable);
        Note(notes, "Context tiers need a label to select them, not imported (each model's base price is)", contextTiers);
        Note(notes, "Tiers the file gives only some prices for (the others are the base price)", fromBase);
        Note(notes, "Multiplier values that are not a number greater than 0 and at most 100, not imported", ignored);
        return entries;
    }

    /// <summary>One note per kind, naming the first 50 items and counting the rest.</summary>
    private static void Note(List<string> notes, string title, List<string> items)
    {
        const int Shown = 50;
        if (items.Count == 0) return;
        notes.Add($"{title}: {string.Join(", ", items.Take(Shown))}{(items.Count > Shown ? $" and {items.Count - Shown:N0} more" : "")}.");
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
            var left = chosen.Where(e => !e.IsPattern && !onlyModels.Contains(e.Model)).Select(e => e.Model).Distinct(StringComparer.Ordinal).Count();
            chosen = [.. chosen.Where(e => e.IsPattern || onlyModels.Contains(e.Model))];
            if (left > 0)
            {
                notes.Add($"{left:N0} models that are neither seen in the ledger nor priced already were left out.");
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
