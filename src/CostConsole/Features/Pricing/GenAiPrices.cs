using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CostConsole.Features.Pricing;

/// <summary>
/// Reads the dated price catalogue pydantic/genai-prices publishes (<c>prices/data.json</c>: an array of providers, each
/// with models). Its shape, from that project's <c>prices/src/prices/prices_types.py</c> (Provider, ModelInfo,
/// ModelPrice, ConditionalPrice, StartDateConstraint, TimeOfDateConstraint, TieredPrices, MatchLogic): a model's
/// <c>prices</c> is one ModelPrice or a list of ConditionalPrice, exactly one without a constraint (in force from the
/// start) and the others from a <c>start_date</c> (UTC midnight here) or in a daily <c>start_time</c>–<c>end_time</c>
/// window; each of <c>input_mtok</c>, <c>cache_read_mtok</c>, <c>cache_write_mtok</c>, <c>output_mtok</c> is USD per 1M
/// tokens or TieredPrices (<c>base</c> and <c>tiers</c> of <c>start</c> input tokens and <c>price</c>: context tiers).
/// <para>
/// Nothing is invented: the undated price takes the import's effective-from hour; a context tier or a time-of-day
/// price cannot be selected by any label the ledger holds, so it is listed ("needs a label"), never imported.
/// With <c>seenModels</c>, each model seen in the ledger takes the price of the first catalogue model whose match
/// logic matches it, under its own name; without, catalogue models keep their ids.
/// </para>
/// </summary>
public static class GenAiPrices
{
    public const int MaxModels = 20_000;

    public sealed record Result(IReadOnlyList<PriceEntry> Entries, IReadOnlyList<ImportProblem> Problems, IReadOnlyList<string> Notes, int Skipped);

    private sealed record CatalogueModel(string Provider, string Id, JsonElement Match, JsonElement Prices);

    public static Result Parse(string json, DateTimeOffset? undatedFrom, IReadOnlyCollection<string>? seenModels)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return new([], [new ImportProblem((int)(ex.LineNumber ?? 0) + 1, $"the file is not valid JSON ({ex.Message.Split(". ")[0].TrimEnd('.')})")], [], 0);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return new([], [new ImportProblem(1, "the file must be a JSON array of providers (the format of genai-prices' prices/data.json)")], [], 0);
            }

            List<CatalogueModel> models = [];
            List<ImportProblem> problems = [];
            foreach (var provider in document.RootElement.EnumerateArray())
            {
                var providerId = provider.ValueKind == JsonValueKind.Object && provider.TryGetProperty("id", out var pid) && pid.ValueKind == JsonValueKind.String ? pid.GetString()! : "";
                if (providerId.Length == 0 || !provider.TryGetProperty("models", out var list) || list.ValueKind != JsonValueKind.Array)
                {
                    problems.Add(new ImportProblem(0, "a provider without an id or a models array", Key(providerId)));
                    continue;
                }

                foreach (var model in list.EnumerateArray())
                {
                    if (model.ValueKind != JsonValueKind.Object || !model.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                        || !model.TryGetProperty("match", out var match) || !model.TryGetProperty("prices", out var prices))
                    {
                        problems.Add(new ImportProblem(0, "a model without id, match or prices", Key(providerId)));
                        continue;
                    }

                    models.Add(new CatalogueModel(providerId, id.GetString()!, match.Clone(), prices.Clone()));
                }
            }

            if (models.Count > MaxModels)
            {
                problems.Add(new ImportProblem(0, $"the file holds {models.Count:N0} models; at most {MaxModels:N0} are read at once"));
            }

            if (problems.Count > 0)
            {
                return new([], problems, [], 0);
            }

            // Which name each catalogue model's prices are stored under.
            List<(string Name, CatalogueModel Model)> chosen = [];
            List<string> notes = [];
            if (seenModels is null)
            {
                chosen = [.. models.DistinctBy(m => m.Id).Select(m => (m.Id, m))];
            }
            else
            {
                foreach (var seen in seenModels.Order(StringComparer.Ordinal))
                {
                    var matching = models.Where(m => Matches(m.Match, seen)).ToList();
                    if (matching.Count == 0) continue;
                    chosen.Add((seen, matching[0]));
                    if (matching.Count > 1)
                    {
                        notes.Add($"{PriceValidation.Shown(seen)}: priced as {matching[0].Provider}/{matching[0].Id}; also listed as {string.Join(", ", matching.Skip(1).Take(3).Select(m => m.Provider + "/" + m.Id))}.");
                    }
                }
            }

            List<PriceEntry> entries = [];
            var skipped = 0;
            foreach (var (name, model) in chosen)
            {
                var key = Key(model.Provider + "/" + model.Id);
                IEnumerable<(JsonElement? Constraint, JsonElement Prices)> parts = model.Prices.ValueKind == JsonValueKind.Object
                    ? [(null, model.Prices)]
                    : model.Prices.ValueKind != JsonValueKind.Array ? [] : model.Prices.EnumerateArray().Select(c => (c.TryGetProperty("constraint", out var k) && k.ValueKind == JsonValueKind.Object ? (JsonElement?)k : null,
                        c.TryGetProperty("prices", out var p) ? p : default)).ToList();
                foreach (var (constraint, prices) in parts)
                {
                    DateTimeOffset? from;
                    if (constraint is null)
                    {
                        from = undatedFrom;
                        if (from is null)
                        {
                            notes.Add($"{PriceValidation.Shown(name)}: its undated price needs an effective-from hour; it was left out.");
                            continue;
                        }
                    }
                    else if (constraint.Value.TryGetProperty("start_date", out var startDate) && startDate.ValueKind == JsonValueKind.String
                        && DateOnly.TryParseExact(startDate.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                    {
                        from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                    }
                    else
                    {
                        notes.Add($"{PriceValidation.Shown(name)}: a price limited to a time of day ({PriceValidation.Shown(constraint.Value.GetRawText())}) needs a label to select it; not imported.");
                        continue;
                    }

                    if (prices.ValueKind != JsonValueKind.Object)
                    {
                        problems.Add(new ImportProblem(0, "a conditional price without prices", key));
                        continue;
                    }

                    var read = ReadPrices(prices, key, problems);
                    if (read is not { } p) continue;
                    if (p.Input is null || p.Output is null)
                    {
                        skipped++;
                        continue;
                    }

                    foreach (var tier in p.Tiers)
                    {
                        notes.Add($"{PriceValidation.Shown(name)} from {PriceValidation.Hour(from.Value)}: {tier} — a context tier needs a label to select it; its base price is imported, the tier is not.");
                    }

                    entries.Add(new PriceEntry(name, from.Value, p.Input.Value, p.Output.Value, p.Cached, p.Write));
                }
            }

            return problems.Count > 0 ? new([], problems, [], 0) : new(entries, [], notes, skipped);
        }
    }

    private sealed record Prices(decimal? Input, decimal? Output, decimal? Cached, decimal? Write, List<string> Tiers);

    private static Prices? ReadPrices(JsonElement prices, string key, List<ImportProblem> problems)
    {
        List<string> tiers = [];
        decimal? Field(string name, string shown)
        {
            if (!prices.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind == JsonValueKind.Number) return Price(value, name);
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("base", out var b) && b.ValueKind == JsonValueKind.Number)
            {
                if (value.TryGetProperty("tiers", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var tier in list.EnumerateArray())
                    {
                        var start = tier.TryGetProperty("start", out var s) && s.TryGetInt64(out var st) ? st : 0;
                        var price = tier.TryGetProperty("price", out var p) && p.TryGetDecimal(out var pr) ? pr : 0m;
                        tiers.Add(string.Create(CultureInfo.InvariantCulture, $"{shown} {PriceValidation.Money(price)} per 1M from {start:N0} input tokens"));
                    }
                }

                return Price(b, name);
            }

            problems.Add(new ImportProblem(0, $"{name} is {PriceValidation.Shown(value.GetRawText())}, not a price or tiered prices", key));
            return null;
        }

        decimal? Price(JsonElement value, string name)
        {
            if (!value.TryGetDecimal(out var perMillion) || perMillion < 0m || perMillion > PriceValidation.AbsurdPrice)
            {
                problems.Add(new ImportProblem(0, $"{name} {PriceValidation.Shown(value.GetRawText())} is not a price from 0 to {PriceValidation.AbsurdPrice:N0} USD per 1M tokens", key));
                return null;
            }

            return perMillion;
        }

        var before = problems.Count;
        var result = new Prices(Field("input_mtok", "input"), Field("output_mtok", "output"), Field("cache_read_mtok", "cached input"), Field("cache_write_mtok", "cache write"), tiers);
        return problems.Count > before ? null : result;
    }

    /// <summary>genai-prices' MatchLogic: equals, starts_with, ends_with, contains (case-insensitive), regex, or, and.</summary>
    public static bool Matches(JsonElement clause, string model)
    {
        if (clause.ValueKind != JsonValueKind.Object) return false;
        foreach (var property in clause.EnumerateObject())
        {
            var text = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : "";
            switch (property.Name)
            {
                case "equals": return string.Equals(model, text, StringComparison.OrdinalIgnoreCase);
                case "starts_with": return model.StartsWith(text, StringComparison.OrdinalIgnoreCase);
                case "ends_with": return model.EndsWith(text, StringComparison.OrdinalIgnoreCase);
                case "contains": return model.Contains(text, StringComparison.OrdinalIgnoreCase);
                case "regex":
                    try
                    {
                        return Regex.IsMatch(model, text, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
                    }
                    catch (Exception ex) when (ex is ArgumentException or RegexMatchTimeoutException)
                    {
                        return false;
                    }

                case "or": return property.Value.ValueKind == JsonValueKind.Array && property.Value.EnumerateArray().Any(c => Matches(c, model));
                case "and": return property.Value.ValueKind == JsonValueKind.Array && property.Value.EnumerateArray().All(c => Matches(c, model));
            }
        }

        return false;
    }

    private static string Key(string name) => "\"" + PriceValidation.Shown(name) + "\"";
}
