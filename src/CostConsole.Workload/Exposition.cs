using System.Globalization;
using System.Text;

namespace CostConsole.Workload;

/// <summary>One metric a shape writes for a family: its metric family name, type, help, and any fixed extra label.</summary>
public sealed record ShapeMetric(string Name, string Type, string Help, string ExtraLabels = "", bool Fractional = false);

/// <summary>What a series is about, for a shape to turn into label values.</summary>
public sealed record SeriesFacts(string Model, string Provider, string Operation, string Feature, string Team, string Outcome, string ErrorType);

/// <summary>
/// One label a shape writes on its token and request series. <see cref="Team"/> labels are left out (or written with the
/// shape's <see cref="MetricShape.MissingValue"/>) when the workload runs without team labels; <see cref="RequestsOnly"/>
/// labels appear on the request counter alone, <see cref="TokensOnly"/> ones on token counters alone.
/// </summary>
public sealed record ShapeLabel(string Name, Func<SeriesFacts, string> Value, bool Team = false, bool RequestsOnly = false, bool TokensOnly = false, Family[]? Only = null)
{
    /// <summary>Whether series of <paramref name="family"/> carry this label.</summary>
    public bool On(Family family) =>
        Only is not null ? Only.Contains(family) : RequestsOnly ? family == Family.Requests : !TokensOnly || family is not (Family.Requests or Family.GatewayCost);
}

/// <summary>
/// How an exporter names token metrics and labels, as its upstream source writes them (each shape cites it). The traffic
/// is the same for every shape; only names and labels differ. <see cref="Shapes"/> builds the built-in ones.
/// </summary>
public sealed record MetricShape(
    string Name,
    IReadOnlyDictionary<Family, ShapeMetric> Metrics,
    IReadOnlyList<ShapeLabel> Labels,
    string? MissingValue = null,
    IReadOnlyList<(string Label, string Value)>? TargetInfo = null,
    // How the team of a series reads back once the profile resolves its labels (e.g. LiteLLM's team without an alias reads as its id).
    Func<string, string>? TeamSeenAs = null,
    // prometheus_client (Python) writes a <name>_created gauge beside each counter: when its labelled child was created.
    bool CreatedGauges = false)
{
    public static MetricShape OtelSeed => Shapes.OtelSeed;
    public static MetricShape OtelHistogram => Shapes.OtelHistogram;
    public static MetricShape Bifrost => Shapes.Bifrost;
    public static MetricShape LiteLlm => Shapes.LiteLlm;

    public static IReadOnlyList<MetricShape> All { get; } = [Shapes.OtelSeed, Shapes.OtelHistogram, Shapes.Bifrost, Shapes.LiteLlm];

    public static MetricShape Named(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"unknown shape '{name}'; use one of {string.Join(", ", All.Select(s => s.Name))}");

    public bool Carries(string dimensionLabel) => Labels.Any(l => l.Name == dimensionLabel);

    public bool IsHistogram(Family family) => Metrics.TryGetValue(family, out var metric) && metric.Type == "histogram";

    /// <summary>The sample name of a counter or gauge family (a counter's gets its _total suffix).</summary>
    public string SampleName(Family family)
    {
        var metric = Metrics[family];
        return metric.Type == "counter" ? metric.Name + "_total" : metric.Name;
    }

    /// <summary>The team as the ledger will read it back from this shape's labels.</summary>
    public string ReadBackTeam(string team) => TeamSeenAs is null ? team : TeamSeenAs(team);

    /// <summary>
    /// The OTel SDK's default explicit bucket boundaries (opentelemetry-python, sdk/metrics/_internal/aggregation.py,
    /// _DEFAULT_EXPLICIT_BUCKET_HISTOGRAM_AGGREGATION_BOUNDARIES), which a histogram created without advice uses.
    /// </summary>
    public static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
}

/// <summary>The built-in shapes, each written from its upstream's source.</summary>
public static class Shapes
{
    private static readonly ShapeMetric ProcessStart = new("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");

    private static string Hex(string text, int length) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant()[..length];

    /// <summary>A stable UUID-looking id for a name, as gateways give teams and keys.</summary>
    public static string IdOf(string kind, string name)
    {
        var h = Hex(kind + ":" + name, 32);
        return $"{h[..8]}-{h[8..12]}-{h[12..16]}-{h[16..20]}-{h[20..]}";
    }

    // The OTel Python Prometheus exporter (opentelemetry-exporter-prometheus, __init__.py) adds the instrumentation scope
    // to every series and exports the resource as a target_info gauge; prometheus_client's default registry, which it
    // registers with, also serves process_start_time_seconds on Linux.
    private static IEnumerable<ShapeLabel> Scope(string name, string version) =>
    [
        new("otel_scope_name", _ => name),
        new("otel_scope_version", _ => version),
        new("otel_scope_schema_url", _ => ""),
    ];

    private static readonly IReadOnlyList<(string, string)> PythonResource =
    [
        ("service_name", "llm-app"),
        ("telemetry_sdk_language", "python"),
        ("telemetry_sdk_name", "opentelemetry"),
        ("telemetry_sdk_version", "1.38.0"),
    ];

    /// <summary>The seed's own counters (DESIGN, metric profiles), exported by the OTel Python SDK.</summary>
    public static MetricShape OtelSeed { get; } = new("otel-seed", new Dictionary<Family, ShapeMetric>
    {
        [Family.InputTokens] = new("gen_ai_client_token_usage_input", "counter", "Input tokens sent to the model, cached input included."),
        [Family.OutputTokens] = new("gen_ai_client_token_usage_output", "counter", "Output tokens returned by the model."),
        [Family.CachedInputTokens] = new("gen_ai_client_token_usage_cached_input", "counter", "Input tokens served from the provider's prompt cache (a subset of input)."),
        [Family.Requests] = new("gen_ai_client_requests", "counter", "Requests made to the model, by outcome."),
        [Family.ProcessStart] = ProcessStart,
        [Family.TargetInfo] = new("target_info", "gauge", "Target metadata"),
    },
    [
        new("gen_ai_request_model", f => f.Model),
        new("gen_ai_provider_name", f => f.Provider),
        new("gen_ai_operation_name", f => f.Operation),
        new("feature", f => f.Feature),
        new("team", f => f.Team, Team: true),
        new("outcome", f => f.Outcome, RequestsOnly: true),
        new("error_type", f => f.ErrorType, RequestsOnly: true),
        .. Scope("llm-app", "1.0.0"),
    ], TargetInfo: PythonResource);

    /// <summary>
    /// OpenLLMetry's token histogram (traceloop/openllmetry, packages/opentelemetry-instrumentation-openai,
    /// opentelemetry/instrumentation/openai/shared/__init__.py, metric_shared_attributes): gen_ai.client.token.usage with
    /// unit "token", so the exporter names it gen_ai_client_token_usage_token; only the response model; the provider in
    /// gen_ai_system; gen_ai_token_type "input" or "output"; server_address and stream.
    /// </summary>
    public static MetricShape OtelHistogram { get; } = new("otel-genai-histogram", new Dictionary<Family, ShapeMetric>
    {
        [Family.InputTokens] = new("gen_ai_client_token_usage_token", "histogram", "Measures number of input and output tokens used", ",gen_ai_token_type=\"input\""),
        [Family.OutputTokens] = new("gen_ai_client_token_usage_token", "histogram", "Measures number of input and output tokens used", ",gen_ai_token_type=\"output\""),
        [Family.ProcessStart] = ProcessStart,
        [Family.TargetInfo] = new("target_info", "gauge", "Target metadata"),
    },
    [
        new("gen_ai_system", f => f.Provider),
        new("gen_ai_response_model", f => f.Model),
        new("gen_ai_operation_name", f => f.Operation),
        new("server_address", f => f.Provider switch { "openai" => "api.openai.com", "anthropic" => "api.anthropic.com", _ => "generativelanguage.googleapis.com" }),
        new("stream", _ => "false"),
        .. Scope("opentelemetry.instrumentation.openai.v1", "0.47.3"),
    ], TargetInfo: PythonResource);

    /// <summary>
    /// Bifrost's telemetry plugin (maximhq/bifrost, plugins/telemetry/main.go: defaultBifrostLabelNames, then the custom
    /// labels configured in the plugin; here one, "feature", set per request with an x-bf-dim-feature header). Cache reads
    /// and writes are subsets of input; the 5-minute-TTL write counter is a subset of the write counter.
    /// </summary>
    public static MetricShape Bifrost { get; } = new("bifrost", new Dictionary<Family, ShapeMetric>
    {
        [Family.InputTokens] = new("bifrost_input_tokens", "counter", "Total number of input tokens forwarded to upstream providers by Bifrost."),
        [Family.OutputTokens] = new("bifrost_output_tokens", "counter", "Total number of output tokens forwarded to upstream providers by Bifrost."),
        [Family.CachedInputTokens] = new("bifrost_cache_read_input_tokens", "counter", "Total provider-side prompt-cache read (cached) input tokens. Billed at a reduced rate by the provider."),
        [Family.CacheWriteTokens] = new("bifrost_cache_write_input_tokens", "counter", "Total provider-side prompt-cache creation (write) input tokens."),
        [Family.CacheWrite5mTokens] = new("bifrost_cache_write_input_tokens_5m", "counter", "Provider-side prompt-cache write input tokens with a 5-minute TTL (Anthropic only). Subset of bifrost_cache_write_input_tokens_total — do not sum with it."),
        [Family.Requests] = new("bifrost_upstream_requests", "counter", "Total number of requests forwarded to upstream providers by Bifrost."),
        [Family.GatewayCost] = new("bifrost_cost", "counter", "Total cost in USD for requests to upstream providers.", Fractional: true),
        [Family.ProcessStart] = ProcessStart,
    },
    [
        new("provider", f => f.Provider),
        new("model", f => f.Model),
        new("alias", _ => ""),
        new("method", f => f.Operation == "embeddings" ? "embedding" : "chat_completion"),
        new("virtual_key_id", f => IdOf("vk", f.Team), Team: true),
        new("virtual_key_name", f => f.Team + "-key", Team: true),
        new("routing_engine_used", _ => ""),
        new("routing_rule_id", _ => ""),
        new("routing_rule_name", _ => ""),
        new("selected_key_id", f => IdOf("key", f.Provider)),
        new("selected_key_name", f => f.Provider + "-primary"),
        new("fallback_index", _ => "0"),
        new("team_id", f => IdOf("team", f.Team), Team: true),
        new("team_name", f => f.Team, Team: true),
        new("customer_id", _ => ""),
        new("customer_name", _ => ""),
        new("business_unit_id", _ => ""),
        new("business_unit_name", _ => ""),
        new("feature", f => f.Feature),
    ], MissingValue: "");

    /// <summary>The LiteLLM team that has no alias: its series carry team_alias="None" and read back as the team id.</summary>
    public const string LiteLlmTeamWithoutAlias = "mobile";

    private static string LiteLlmAlias(string team) => team == LiteLlmTeamWithoutAlias ? "None" : team;

    /// <summary>
    /// LiteLLM's proxy metrics (BerriAI/litellm, litellm/types/integrations/prometheus.py, PrometheusMetricLabels for
    /// litellm_input_tokens_metric and litellm_proxy_total_requests_metric), exported by prometheus_client: a missing
    /// value is the string "None"; `team` is the team id, `team_alias` its name; the request counter has no `model`.
    /// </summary>
    public static MetricShape LiteLlm { get; } = new("litellm", new Dictionary<Family, ShapeMetric>
    {
        [Family.InputTokens] = new("litellm_input_tokens_metric", "counter", "Total number of input tokens from LLM requests"),
        [Family.OutputTokens] = new("litellm_output_tokens_metric", "counter", "Total number of output tokens from LLM requests"),
        [Family.Requests] = new("litellm_proxy_total_requests_metric", "counter", "Total number of requests made to the proxy server - track number of client side requests"),
        [Family.GatewayCost] = new("litellm_spend_metric", "counter", "Total spend on LLM requests", Fractional: true),
        [Family.ProcessStart] = ProcessStart,
    },
    [
        new("end_user", _ => "None"),
        new("hashed_api_key", f => Hex("key:" + f.Team, 64), Team: true),
        new("api_key_alias", f => f.Team + "-service", Team: true),
        new("model", f => f.Model, Only: [Family.InputTokens, Family.OutputTokens, Family.GatewayCost]),
        new("team", f => IdOf("team", f.Team), Team: true),
        new("team_alias", f => LiteLlmAlias(f.Team), Team: true),
        new("user", _ => "default_user_id"),
        new("user_email", _ => "None"),
        new("requested_model", f => f.Model, Only: [Family.InputTokens, Family.OutputTokens, Family.Requests]),
        new("model_id", f => Hex("deployment:" + f.Model, 64)),
        new("status_code", f => f.Outcome == "success" ? "200" : f.ErrorType == "rate_limit" ? "429" : f.ErrorType == "timeout" ? "408" : "500", RequestsOnly: true),
        new("route", _ => "/chat/completions", RequestsOnly: true),
        new("client_ip", _ => "10.0.0.7", Only: [Family.Requests, Family.GatewayCost]),
        new("user_agent", _ => "OpenAI/Python 1.54.0", Only: [Family.Requests, Family.GatewayCost]),
    ], MissingValue: "None", TeamSeenAs: team => team == LiteLlmTeamWithoutAlias ? IdOf("team", team) : team, CreatedGauges: true);
}

public static class Exposition
{
    /// <summary>Prometheus text format 0.0.4 for the live /metrics endpoint (no timestamps: Prometheus stamps the scrape).</summary>
    public static string RenderText(IEnumerable<Pod> pods, MetricShape shape)
    {
        var podList = pods.ToList();
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        foreach (var group in shape.Metrics.GroupBy(m => m.Value.Name))
        {
            var metric = group.First().Value;
            // Text format 0.0.4 names a counter's family with its _total suffix.
            var familyName = metric.Type == "counter" ? metric.Name + "_total" : metric.Name;
            text.Write($"# HELP {familyName} {metric.Help}\n# TYPE {familyName} {(metric.Type == "unknown" ? "untyped" : metric.Type)}\n");
            var families = group.Select(g => g.Key).ToHashSet();
            foreach (var series in podList.SelectMany(p => p.Series.Values).Where(s => families.Contains(s.Family)))
            {
                WriteSamples(text, shape, series, null);
            }

            if (shape.CreatedGauges && metric.Type == "counter")
            {
                text.Write($"# HELP {metric.Name}_created {metric.Help}\n# TYPE {metric.Name}_created gauge\n");
                foreach (var series in podList.SelectMany(p => p.Series.Values).Where(s => families.Contains(s.Family)))
                {
                    text.Write($"{metric.Name}_created{series.Labels} {series.Created.ToString("0.0##", CultureInfo.InvariantCulture)}\n");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The sample lines of one series: a counter's <c>_total</c>, a gauge's value, or a histogram's cumulative
    /// <c>_bucket</c> lines (with <c>le</c>), <c>_count</c> and <c>_sum</c>.
    /// </summary>
    public static int WriteSamples(TextWriter writer, MetricShape shape, CounterSeries series, string? timestamp)
    {
        var metric = shape.Metrics[series.Family];
        void Line(string name, string labels, long value)
        {
            writer.Write(name);
            writer.Write(labels);
            writer.Write(' ');
            writer.Write(value.ToString(CultureInfo.InvariantCulture));
            if (timestamp is not null)
            {
                writer.Write(' ');
                writer.Write(timestamp);
            }

            writer.Write('\n');
        }

        if (metric.Fractional)
        {
            writer.Write($"{shape.SampleName(series.Family)}{series.Labels} {series.Amount.ToString("R", CultureInfo.InvariantCulture)}{(timestamp is null ? "" : " " + timestamp)}\n");
            return 1;
        }

        if (metric.Type != "histogram")
        {
            Line(shape.SampleName(series.Family), series.Labels, series.Value);
            return 1;
        }

        var open = series.Labels[..^1];
        long cumulative = 0;
        for (var i = 0; i < MetricShape.DefaultBuckets.Length; i++)
        {
            cumulative += series.Buckets![i];
            Line(metric.Name + "_bucket", $"{open},le=\"{MetricShape.DefaultBuckets[i].ToString("0.0", CultureInfo.InvariantCulture)}\"}}", cumulative);
        }

        Line(metric.Name + "_bucket", $"{open},le=\"+Inf\"}}", series.Count);
        Line(metric.Name + "_count", series.Labels, series.Count);
        Line(metric.Name + "_sum", series.Labels, series.Value);
        return MetricShape.DefaultBuckets.Length + 3;
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
    private readonly bool _up;
    private readonly TimeSpan? _span;
    private readonly List<string> _closed = [];
    private long _spanIndex;

    /// <param name="span">With separate files: also start new files every span of time, so that no single file
    /// outgrows promtool's memory (it holds a whole file while it converts it).</param>
    /// <param name="up">Also write the <c>up</c> series Prometheus records for each scrape of a target (1: scraped).</param>
    public OpenMetricsWriter(string path, bool separateFiles = false, MetricShape? shape = null, TimeSpan? span = null, bool up = false)
    {
        _up = up;
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

        if (_up)
        {
            var file = _separateFiles ? $"{_path}.up{(_span is null ? "" : $".{_spanIndex:D4}")}.om" : $"{_path}.part{(int)Family.Up}";
            var writer = new StreamWriter(file, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
            writer.Write("# HELP up Whether the target was scraped.\n# TYPE up gauge\n");
            _families[Family.Up] = (file, writer);
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
            Samples += Exposition.WriteSamples(_families[series.Family].Writer, _shape, series, seconds);
        }

        if (_up)
        {
            _families[Family.Up].Writer.Write($"up{{job=\"{Simulation.Job}\",instance=\"{pod.Name}:9464\"}} 1 {seconds}\n");
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
        Family.CacheWriteTokens => "cache_write",
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
