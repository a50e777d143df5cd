using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CostConsole.Features.Pricing;

/// <summary>A problem in an imported file: by line number (1 is the header), or by key for JSON files.</summary>
public sealed record ImportProblem(int Line, string Message, string? Key = null)
{
    public override string ToString() => Key is null ? $"line {Line}: {Message}" : $"{Key}: {Message}";
}

/// <summary>
/// Reads and writes price CSV: <c>model,effective_from_utc,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,cache_write_usd_per_mtok</c>,
/// optionally followed, in any order, by <c>retired</c>, <c>variant</c> (a price variant: service or context tier; empty
/// for the base price), <c>multiplier</c> (a variant priced as a multiple of the base entry in force, its prices
/// left empty) and <c>cache_write_1h_usd_per_mtok</c> (cache writes kept an hour; empty: at the cache-write price). A file with any problem yields no entries, only the problems.
/// </summary>
public static class PriceCsv
{
    public const string Header = "model,effective_from_utc,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,cache_write_usd_per_mtok";

    /// <summary>The six columns and <c>retired</c> (true on a retirement line, whose prices are empty): older exports.</summary>
    public const string HeaderWithRetired = Header + ",retired";

    /// <summary>The header the export writes: every column.</summary>
    public const string FullHeader = HeaderWithRetired + ",variant,multiplier,cache_write_1h_usd_per_mtok";

    private static readonly string[] OptionalColumns = ["retired", "variant", "multiplier", "cache_write_1h_usd_per_mtok"];

    public static (IReadOnlyList<PriceEntry> Entries, IReadOnlyList<ImportProblem> Problems) Parse(string text)
    {
        List<PriceEntry> entries = [];
        List<ImportProblem> problems = [];
        // Fields by RFC 4180 (quoted commas, quotes and line breaks), with the export's defused cells restored.
        var records = Csv.CsvTable.Read(text);
        var names = records.Count == 0 ? [] : records[0].Fields.Select(f => f.Trim()).ToArray();
        var extra = names.Skip(6).ToArray();
        if (names.Length < 6 || string.Join(',', names.Take(6)) != Header
            || extra.Any(c => !OptionalColumns.Contains(c)) || extra.Distinct().Count() != extra.Length)
        {
            return ([], [new ImportProblem(1, $"the header must be exactly: {Header} (optionally followed by any of ,{string.Join(",", OptionalColumns)})")]);
        }

        var columns = names.Length;
        string Optional(string[] fields, string column) => Array.IndexOf(names, column) is >= 0 and var i ? fields[i].Trim() : "";

        var seen = new Dictionary<(string, string, DateTimeOffset), int>();
        foreach (var (number, fields) in records.Skip(1))
        {
            if (fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (fields.Length != columns)
            {
                problems.Add(new ImportProblem(number, $"expected {columns} comma-separated fields, found {fields.Length}"));
                continue;
            }

            var lineProblems = new List<string>();
            var model = fields[0].Trim();
            var effective = ParseHour(fields[1].Trim(), lineProblems);
            var variant = Optional(fields, "variant");
            lineProblems.AddRange(PriceValidation.ValidateVariant(variant));
            var retired = Optional(fields, "retired").ToLowerInvariant();
            if (retired is "true" or "yes" or "1")
            {
                lineProblems.AddRange(PriceValidation.ValidateModel(model));
                if (fields[2..6].Any(f => f.Trim().Length > 0) || Optional(fields, "multiplier").Length > 0 || Optional(fields, "cache_write_1h_usd_per_mtok").Length > 0)
                {
                    lineProblems.Add("a retirement line has no prices");
                }

                if (lineProblems.Count == 0)
                {
                    entries.Add(PriceEntry.Retirement(model, effective!.Value, variant));
                }

                problems.AddRange(lineProblems.Select(p => new ImportProblem(number, p)));
                continue;
            }

            if (retired is not ("" or "false" or "no" or "0"))
            {
                lineProblems.Add($"retired '{Echo.Printable(retired)}' is not true or false");
            }

            var multiplier = PriceValidation.ParseMultiplier(Optional(fields, "multiplier"), variant, lineProblems);
            PriceEntry? entry = null;
            if (multiplier is not null)
            {
                if (fields[2..6].Any(f => f.Trim().Length > 0) || Optional(fields, "cache_write_1h_usd_per_mtok").Length > 0)
                {
                    lineProblems.Add("a line with a multiplier leaves its prices empty (they follow the base entry in force)");
                }

                lineProblems.AddRange(PriceValidation.ValidateModel(model));
                if (lineProblems.Count == 0) entry = new PriceEntry(model, effective!.Value, 0m, 0m, Variant: variant, Multiplier: multiplier);
            }
            else
            {
                var input = ParsePrice(fields[2], "input_usd_per_mtok", required: true, lineProblems);
                var output = ParsePrice(fields[3], "output_usd_per_mtok", required: true, lineProblems);
                var cached = ParsePrice(fields[4], "cached_input_usd_per_mtok", required: false, lineProblems);
                var cacheWrite = ParsePrice(fields[5], "cache_write_usd_per_mtok", required: false, lineProblems);
                var cacheWrite1h = ParsePrice(Optional(fields, "cache_write_1h_usd_per_mtok"), "cache_write_1h_usd_per_mtok", required: false, lineProblems);
                lineProblems.AddRange(PriceValidation.ValidateModel(model));
                if (lineProblems.Count == 0) entry = new PriceEntry(model, effective!.Value, input!.Value, output!.Value, cached, cacheWrite, Variant: variant, CacheWrite1hPerMTok: cacheWrite1h);
            }

            if (entry is not null)
            {
                if (seen.TryGetValue((model, variant, entry.EffectiveFrom), out var first))
                {
                    lineProblems.Add($"{model}{(variant.Length == 0 ? "" : " variant " + PriceValidation.Shown(variant))} already has a price from {entry.EffectiveFrom:yyyy-MM-ddTHH:mm}Z on line {first}");
                }
                else
                {
                    seen[(model, variant, entry.EffectiveFrom)] = number;
                    entries.Add(entry);
                }
            }

            problems.AddRange(lineProblems.Select(p => new ImportProblem(number, p)));
        }

        if (problems.Count == 0 && entries.Count == 0)
        {
            problems.Add(new ImportProblem(2, "the file has no price lines"));
        }

        return problems.Count > 0 ? ([], problems) : (entries, []);
    }


    private static DateTimeOffset? ParseHour(string text, List<string> problems)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var time) || !(text.EndsWith('Z') || text.Contains('+') || text.LastIndexOf('-') > 9))
        {
            problems.Add($"effective_from_utc '{text}' is not an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z");
            return null;
        }

        if (time.UtcTicks % TimeSpan.TicksPerHour != 0)
        {
            problems.Add($"effective_from_utc '{text}' is not on the hour (prices change on whole hours, UTC)");
            return null;
        }

        return time.ToUniversalTime();
    }

    private static decimal? ParsePrice(string raw, string column, bool required, List<string> problems)
    {
        var text = raw.Trim();
        if (text.Length == 0)
        {
            if (required)
            {
                problems.Add($"{column} is required");
            }

            return null;
        }

        var (value, problem) = PriceValidation.ReadPrice(text, allowExponent: false);
        var message = problem switch
        {
            PriceTextProblem.NotANumber => $"{column} '{text}' is not a number",
            PriceTextProblem.Negative => $"{column} {text} is negative",
            PriceTextProblem.Absurd => $"{column} {text} is over {PriceValidation.AbsurdPrice:N0} USD per 1M tokens; is it a per-token or per-1K price?",
            _ => null,
        };
        if (message is null) return value;
        problems.Add(message);
        return null;
    }

    public static string Write(IEnumerable<PriceEntry> entries) => Csv.CsvTable.Write(
        FullHeader.Split(','),
        entries.OrderBy(e => e.Model, StringComparer.Ordinal).ThenBy(e => e.Variant, StringComparer.Ordinal).ThenBy(e => e.EffectiveFrom).Select(e =>
        {
            var own = !e.Retired && e.Multiplier is null;
            return (IEnumerable<object?>)
            [
                e.Model, e.EffectiveFrom.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                own ? e.InputPerMTok : null, own ? e.OutputPerMTok : null, own ? e.CachedInputPerMTok : null, own ? e.CacheWritePerMTok : null,
                e.Retired ? "true" : "false", e.Variant, e.Multiplier, own ? e.CacheWrite1hPerMTok : null,
            ];
        }));
}
