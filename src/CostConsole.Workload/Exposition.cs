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
/// samples together, so each family goes to its own part file and the parts are joined at the end.
/// </summary>
public sealed class OpenMetricsWriter : IDisposable
{
    private readonly string _path;
    private readonly Dictionary<Family, (string Part, StreamWriter Writer)> _parts = [];

    public OpenMetricsWriter(string path)
    {
        _path = path;
        foreach (var (family, _, _, _) in Exposition.Families)
        {
            var part = $"{path}.part{(int)family}";
            _parts[family] = (part, new StreamWriter(part, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" });
        }
    }

    public long Samples { get; private set; }

    public void WriteScrape(Pod pod, DateTimeOffset at)
    {
        var seconds = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        foreach (var series in pod.Series.Values)
        {
            var writer = _parts[series.Family].Writer;
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

    public void Complete()
    {
        using var output = new FileStream(_path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        foreach (var (family, name, type, help) in Exposition.Families)
        {
            var (part, writer) = _parts[family];
            writer.Dispose();
            var header = Encoding.UTF8.GetBytes($"# HELP {name} {help}\n# TYPE {name} {type}\n");
            output.Write(header);
            using (var input = File.OpenRead(part))
            {
                input.CopyTo(output);
            }

            File.Delete(part);
        }

        output.Write("# EOF\n"u8);
        _parts.Clear();
    }

    public void Dispose()
    {
        foreach (var (part, writer) in _parts.Values)
        {
            writer.Dispose();
            File.Delete(part);
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
