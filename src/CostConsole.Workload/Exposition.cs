using System.Globalization;
using System.Text;

namespace CostConsole.Workload;

/// <summary>Metric names and help texts of the otel-seed profile (DESIGN.md).</summary>
public static class Exposition
{
    public static readonly IReadOnlyList<(Family Family, string Name, string Type, string Help)> Families =
    [
        (Family.InputTokens, "gen_ai_client_token_usage_input", "counter", "Input tokens sent to the model, cached input included."),
        (Family.OutputTokens, "gen_ai_client_token_usage_output", "counter", "Output tokens returned by the model."),
        (Family.CachedInputTokens, "gen_ai_client_token_usage_cached_input", "counter", "Input tokens served from the provider's prompt cache (a subset of input)."),
        (Family.Requests, "gen_ai_client_requests", "counter", "Requests made to the model, by outcome."),
        (Family.ProcessStart, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds."),
    ];

    public static string SampleName(Family family)
    {
        var (_, name, type, _) = Families.Single(f => f.Family == family);
        return type == "counter" ? name + "_total" : name;
    }

    /// <summary>Prometheus text format 0.0.4 for the live /metrics endpoint (no timestamps: Prometheus stamps the scrape).</summary>
    public static string RenderText(IEnumerable<Pod> pods)
    {
        var podList = pods.ToList();
        var text = new StringBuilder();
        foreach (var (family, _, type, help) in Families)
        {
            var name = SampleName(family);
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var series in podList.SelectMany(p => p.Series.Values).Where(s => s.Family == family))
            {
                text.Append(name).Append(series.Labels).Append(' ').Append(series.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return text.ToString();
    }
}

/// <summary>
/// Writes OpenMetrics text for <c>promtool tsdb create-blocks-from openmetrics</c>. OpenMetrics wants each metric family's
/// samples together, so each family is written to a file of its own as the simulation runs. At the end the files are
/// either joined into one, or each closed as a complete OpenMetrics file (which promtool can backfill in parallel).
/// </summary>
public sealed class OpenMetricsWriter : IDisposable
{
    private readonly string _path;
    private readonly bool _separateFiles;
    private readonly Dictionary<Family, (string File, StreamWriter Writer)> _families = [];

    public OpenMetricsWriter(string path, bool separateFiles = false)
    {
        _path = path;
        _separateFiles = separateFiles;
        foreach (var (family, name, type, help) in Exposition.Families)
        {
            var file = separateFiles ? $"{path}.{family.ToString().ToLowerInvariant()}.om" : $"{path}.part{(int)family}";
            var writer = new StreamWriter(file, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
            writer.Write($"# HELP {name} {help}\n# TYPE {name} {type}\n");
            _families[family] = (file, writer);
        }
    }

    public long Samples { get; private set; }

    public void WriteScrape(Pod pod, DateTimeOffset at)
    {
        var seconds = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        foreach (var series in pod.Series.Values)
        {
            var writer = _families[series.Family].Writer;
            writer.Write(Exposition.SampleName(series.Family));
            writer.Write(series.Labels);
            writer.Write(' ');
            writer.Write(series.Value);
            writer.Write(' ');
            writer.Write(seconds);
            writer.Write('\n');
            Samples++;
        }
    }

    /// <summary>Closes the output and returns the OpenMetrics file(s) written.</summary>
    public IReadOnlyList<string> Complete()
    {
        List<string> files = [];
        if (_separateFiles)
        {
            foreach (var (file, writer) in _families.Values)
            {
                writer.Write("# EOF\n");
                writer.Dispose();
                files.Add(file);
            }
        }
        else
        {
            using var output = new FileStream(_path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            foreach (var (part, writer) in _families.Values)
            {
                writer.Dispose();
                using (var input = File.OpenRead(part))
                {
                    input.CopyTo(output);
                }

                File.Delete(part);
            }

            output.Write("# EOF\n"u8);
            files.Add(_path);
        }

        _families.Clear();
        return files;
    }

    public void Dispose()
    {
        foreach (var (file, writer) in _families.Values)
        {
            writer.Dispose();
            File.Delete(file);
        }
    }
}

public static class GroundTruthCsv
{
    public const string Header = "hour_utc,model,feature,team,token_type,tokens";

    public static string TokenTypeName(Family family) => family switch
    {
        Family.InputTokens => "input",
        Family.OutputTokens => "output",
        Family.CachedInputTokens => "cached_input",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Not a token type."),
    };

    public static void Write(string path, IReadOnlyDictionary<TruthKey, long> truth)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\n" };
        writer.WriteLine(Header);
        foreach (var (key, tokens) in truth
                     .OrderBy(t => t.Key.Hour).ThenBy(t => t.Key.Model, StringComparer.Ordinal).ThenBy(t => t.Key.Feature, StringComparer.Ordinal)
                     .ThenBy(t => t.Key.Team, StringComparer.Ordinal).ThenBy(t => t.Key.TokenType))
        {
            writer.WriteLine(string.Join(',',
                key.Hour.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                key.Model, key.Feature, key.Team, TokenTypeName(key.TokenType), tokens.ToString(CultureInfo.InvariantCulture)));
        }
    }
}
