using System.Globalization;
using System.Text;

namespace CostConsole.Workload;

/// <summary>One metric a shape writes for a family: its OpenMetrics family name, type, help, and any fixed extra label.</summary>
public sealed record ShapeMetric(string Name, string Type, string Help, string ExtraLabels = "");

/// <summary>
/// How an exporter names token metrics and labels: the otel-seed counters (README, Metric profiles), the OTel GenAI histogram,
/// the Bifrost gateway and the LiteLLM proxy. A label name of null means the shape does not carry that dimension.
/// </summary>
public sealed record MetricShape(
    string Name,
    IReadOnlyDictionary<Family, ShapeMetric> Metrics,
    string? ModelLabel,
    string? ProviderLabel,
    string? OperationLabel,
    string? FeatureLabel,
    string? TeamLabel)
{
    private static readonly ShapeMetric ProcessStart = new("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");

    public static MetricShape OtelSeed { get; } = new("otel-seed", new Dictionary<Family, ShapeMetric>
    {
        [Family.InputTokens] = new("gen_ai_client_token_usage_input", "counter", "Input tokens sent to the model, cached input included."),
        [Family.OutputTokens] = new("gen_ai_client_token_usage_output", "counter", "Output tokens returned by the model."),
        [Family.CachedInputTokens] = new("gen_ai_client_token_usage_cached_input", "counter", "Input tokens served from the provider's prompt cache (a subset of input)."),
        [Family.Requests] = new("gen_ai_client_requests", "counter", "Requests made to the model, by outcome."),
        [Family.ProcessStart] = ProcessStart,
    }, "gen_ai_request_model", "gen_ai_provider_name", "gen_ai_operation_name", "feature", "team");

    /// <summary>The histogram's _sum series, split by token type (written as plain samples: only _sum is read).</summary>
    public static MetricShape OtelHistogram { get; } = new("otel-genai-histogram", new Dictionary<Family, ShapeMetric>
    {
        [Family.InputTokens] = new("gen_ai_client_token_usage_sum", "unknown", "Sum of the token usage histogram.", ",gen_ai_token_type=\"input\""),
        [Family.OutputTokens] = new("gen_ai_client_token_usage_sum", "unknown", "Sum of the token usage histogram.", ",gen_ai_token_type=\"output\""),
        [Family.ProcessStart] = ProcessStart,
    }, "gen_ai_request_model", "gen_ai_provider_name", "gen_ai_operation_name", null, null);

    public static MetricShape Bifrost { get; } = new("bifrost", new Dictionary<Family, ShapeMetric>
    {
        [Family.InputTokens] = new("bifrost_input_tokens", "counter", "Input tokens through the gateway."),
        [Family.OutputTokens] = new("bifrost_output_tokens", "counter", "Output tokens through the gateway."),
        [Family.ProcessStart] = ProcessStart,
    }, "model", "provider", null, null, "team");

    public static MetricShape LiteLlm { get; } = new("litellm", new Dictionary<Family, ShapeMetric>
    {
        [Family.InputTokens] = new("litellm_input_tokens_metric", "counter", "Input tokens through the proxy."),
        [Family.OutputTokens] = new("litellm_output_tokens_metric", "counter", "Output tokens through the proxy."),
        [Family.ProcessStart] = ProcessStart,
    }, "model", null, null, null, "team");

    public static IReadOnlyList<MetricShape> All { get; } = [OtelSeed, OtelHistogram, Bifrost, LiteLlm];

    public static MetricShape Named(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"unknown shape '{name}'; use one of {string.Join(", ", All.Select(s => s.Name))}");

    public string SampleName(Family family)
    {
        var metric = Metrics[family];
        return metric.Type == "counter" ? metric.Name + "_total" : metric.Name;
    }
}

public static class Exposition
{
    /// <summary>Prometheus text format 0.0.4 for the live /metrics endpoint (no timestamps: Prometheus stamps the scrape).</summary>
    public static string RenderText(IEnumerable<Pod> pods, MetricShape shape)
    {
        var podList = pods.ToList();
        var text = new StringBuilder();
        foreach (var group in shape.Metrics.GroupBy(m => shape.SampleName(m.Key)))
        {
            var (family, metric) = group.First();
            text.Append("# HELP ").Append(group.Key).Append(' ').Append(metric.Help).Append('\n');
            text.Append("# TYPE ").Append(group.Key).Append(' ').Append(metric.Type == "unknown" ? "untyped" : metric.Type).Append('\n');
            var families = group.Select(g => g.Key).ToHashSet();
            foreach (var series in podList.SelectMany(p => p.Series.Values).Where(s => families.Contains(s.Family)))
            {
                text.Append(group.Key).Append(series.Labels).Append(' ').Append(series.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
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

    private readonly MetricShape _shape;
    private readonly TimeSpan? _span;
    private readonly List<string> _closed = [];
    private long _spanIndex;

    /// <param name="span">With separate files: also start new files every span of time, so that no single file
    /// outgrows promtool's memory (it holds a whole file while it converts it).</param>
    public OpenMetricsWriter(string path, bool separateFiles = false, MetricShape? shape = null, TimeSpan? span = null)
    {
        _path = path;
        _separateFiles = separateFiles;
        _span = separateFiles ? span : null;
        _shape = shape ?? MetricShape.OtelSeed;
        Open();
    }

    private void Open()
    {
        if (!_separateFiles && _shape.Metrics.Values.Select(m => m.Name).Distinct().Count() != _shape.Metrics.Count)
        {
            throw new ArgumentException($"The {_shape.Name} shape writes one metric family from several parts; write it as separate files.");
        }

        foreach (var (family, metric) in _shape.Metrics)
        {
            var suffix = _span is null ? "" : $".{_spanIndex:D4}";
            var file = _separateFiles ? $"{_path}.{family.ToString().ToLowerInvariant()}{suffix}.om" : $"{_path}.part{(int)family}";
            var writer = new StreamWriter(file, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
            writer.Write($"# HELP {metric.Name} {metric.Help}\n# TYPE {metric.Name} {metric.Type}\n");
            _families[family] = (file, writer);
        }
    }

    public long Samples { get; private set; }

    public void WriteScrape(Pod pod, DateTimeOffset at)
    {
        if (_span is { } span && at.UtcTicks / span.Ticks is var index && index != _spanIndex)
        {
            if (_families.Count > 0 && Samples > 0)
            {
                _closed.AddRange(CloseSeparate());
            }
            else
            {
                Dispose();
            }

            _spanIndex = index;
            Open();
        }

        var seconds = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        foreach (var series in pod.Series.Values)
        {
            var writer = _families[series.Family].Writer;
            writer.Write(_shape.SampleName(series.Family));
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
        List<string> files = [.. _closed];
        if (_separateFiles)
        {
            files.AddRange(CloseSeparate());
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

    private List<string> CloseSeparate()
    {
        List<string> files = [];
        foreach (var (file, writer) in _families.Values)
        {
            writer.Write("# EOF\n");
            writer.Dispose();
            files.Add(file);
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

        _families.Clear();
    }
}

public static class GroundTruthCsv
{
    // token_type "requests" counts requests, not tokens.
    public const string Header = "hour_utc,model,feature,team,token_type,tokens";

    public static string TokenTypeName(Family family) => family switch
    {
        Family.InputTokens => "input",
        Family.OutputTokens => "output",
        Family.CachedInputTokens => "cached_input",
        Family.Requests => "requests",
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
