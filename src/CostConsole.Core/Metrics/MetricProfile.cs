using CostConsole.Core.Ledger;

namespace CostConsole.Core.Metrics;

public enum TokenType
{
    Input,
    Output,
    CachedInput,
    CacheWrite,
    /// <summary>Not tokens: the number of requests, kept in the ledger beside the tokens where a profile counts them.</summary>
    Requests,

    /// <summary>
    /// Not tokens: what a gateway itself reported spending, in millionths of a US dollar (its own USD counter's
    /// hourly increase), kept for reconciliation. CostConsole's cost is never stored; this is the gateway's.
    /// </summary>
    GatewayCost,

    /// <summary>Cache writes kept for an hour (Anthropic's 1-hour TTL): a subset of <see cref="CacheWrite"/>, billed at their own price.</summary>
    CacheWrite1h,

    /// <summary>Reasoning (thinking) tokens: a subset of <see cref="Output"/>, billed as output and shown apart.</summary>
    Reasoning,
}

/// <summary>
/// Where one token type lives: a metric name, the label matchers that narrow it (for histograms), and other names the
/// same counter goes by (another exporter version or unit suffix). Every name is read and summed: two names never
/// come from the same process, so nothing is counted twice.
/// </summary>
public sealed record TokenMetric(string Metric, IReadOnlyDictionary<string, string> Matchers, IReadOnlyList<string>? Alternatives = null, IReadOnlyList<OtelInstrument>? Otel = null)
{
    public TokenMetric(string metric, params IReadOnlyList<string> alternatives) : this(metric, new Dictionary<string, string>(), alternatives) { }

    /// <summary>The metric name first, then its alternatives.</summary>
    public IReadOnlyList<string> Names => [Metric, .. Alternatives ?? []];
}

/// <summary>
/// Whether a profile's input counter already contains the cache reads and the cache writes (then they are taken out of
/// input before it is priced). Two settings, not one: some exporters add reads to input but not writes.
/// </summary>
public readonly record struct CacheInclusion(bool Reads, bool Writes)
{
    public static readonly CacheInclusion Both = new(true, true);
}

/// <summary>
/// A metric profile says where each token type lives and which labels carry which dimension (README, Metric profiles).
/// The ledger reads its counters; the Sources and data source pages check that Prometheus holds them.
/// A dimension may name several labels: the first one a series fills wins, and <see cref="EmptyValues"/> (LiteLLM's
/// literal <c>None</c>) count as unfilled.
/// </summary>
public sealed record MetricProfile(
    string Name,
    IReadOnlyDictionary<TokenType, TokenMetric> Tokens,
    IReadOnlyDictionary<string, IReadOnlyList<string>> DimensionLabels,
    CacheInclusion InputIncludes,
    TokenMetric? RequestsMetric = null,
    // Exporters built on the usual client libraries expose it; where a target lacks it, only decreases mark resets.
    string? RestartMetric = "process_start_time_seconds",
    string InstanceLabel = "instance",
    // Dimensions that only the request counter carries (the seed's outcome): token counters are not expected to have them.
    IReadOnlySet<string>? RequestOnlyDimensions = null,
    IReadOnlySet<string>? EmptyValues = null,
    // For profiles of OpenTelemetry instruments: label → the attribute it was written from, so the names Prometheus 3
    // stores under another OTLP translation strategy can be worked out (WithOtlp).
    IReadOnlyDictionary<string, string>? OtelAttributes = null,
    // A gateway's own USD counter, read beside the tokens for the Reconcile view.
    TokenMetric? GatewayCostMetric = null,
    // More dimensions to group and filter by (name → labels, first filled wins), e.g. api_key from api_key_alias.
    IReadOnlyDictionary<string, IReadOnlyList<string>>? ExtraDimensions = null)
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoExtras = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The extra dimensions' names, in order.</summary>
    public IReadOnlyList<string> ExtraNames => [.. (ExtraDimensions ?? NoExtras).Keys.Order(StringComparer.Ordinal)];

    /// <summary>The extra dimensions' values on a series, encoded as the ledger keeps them (<see cref="ExtraValues"/>); "" without extras.</summary>
    public string ResolveExtras(IReadOnlyDictionary<string, string> labels)
    {
        if (ExtraDimensions is not { Count: > 0 } extras) return "";
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, candidates) in extras)
        {
            values[name] = candidates.Select(l => labels.TryGetValue(l, out var v) && v.Length > 0 && EmptyValues?.Contains(v) != true ? v : null).FirstOrDefault(v => v is not null) ?? "";
        }

        return ExtraValues.Encode(values);
    }

    /// <summary>This profile with extra dimensions added, moved to other labels, or (empty list) removed (Prometheus:Extra).</summary>
    public MetricProfile WithExtras(IReadOnlyDictionary<string, IReadOnlyList<string>> overrides)
    {
        if (overrides.Count == 0) return this;
        var extras = new Dictionary<string, IReadOnlyList<string>>(ExtraDimensions ?? NoExtras, StringComparer.Ordinal);
        foreach (var (name, labels) in overrides)
        {
            if (labels.Count == 0) extras.Remove(name);
            else extras[name] = labels;
        }

        return this with { ExtraDimensions = extras };
    }
    public const string Default = "otel-seed";

    public static readonly IReadOnlyList<string> Dimensions = ["model", "provider", "feature", "team", "operation", "outcome", "variant"];

    private static IReadOnlyList<string> L(params string[] labels) => labels;

    private static TokenMetric Otel(string metric, OtelInstrument instrument) => new(metric, new Dictionary<string, string>(), null, [instrument]);

    // The semantic convention's unit is {token}; OpenLLMetry declares "token", which becomes a name suffix.
    private static readonly IReadOnlyList<OtelInstrument> TokenUsage =
        [new("gen_ai.client.token.usage", "{token}", OtelKind.HistogramSum), new("gen_ai.client.token.usage", "token", OtelKind.HistogramSum)];

    private static readonly IReadOnlyDictionary<string, string> GenAiAttributes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gen_ai_request_model"] = "gen_ai.request.model",
        ["gen_ai_response_model"] = "gen_ai.response.model",
        ["gen_ai_provider_name"] = "gen_ai.provider.name",
        ["gen_ai_system"] = "gen_ai.system",
        ["gen_ai_operation_name"] = "gen_ai.operation.name",
        ["gen_ai_token_type"] = "gen_ai.token.type",
        ["error_type"] = "error.type",
        ["openai_response_service_tier"] = "openai.response.service_tier",
        ["gen_ai_openai_response_service_tier"] = "gen_ai.openai.response.service_tier",
    };

    // The service tier that served the request, which is what is billed (flex, batch, priority...): open-telemetry/
    // semantic-conventions docs/gen-ai/openai.md, metric gen_ai.client.token.usage, additional attribute
    // openai.response.service_tier (Recommended; named gen_ai.openai.response.service_tier before semconv 1.37).
    // The requested tier (openai.request.service_tier, which may be "auto") is deliberately not read.
    private static readonly IReadOnlyList<string> ServiceTier = ["openai_response_service_tier", "gen_ai_openai_response_service_tier"];


    public static IReadOnlyDictionary<string, MetricProfile> BuiltIn { get; } = new Dictionary<string, MetricProfile>(StringComparer.Ordinal)
    {
        // The seed's own counters (DESIGN, metric profiles): OTel-style names, provider as gen_ai_provider_name or, from
        // older semantic conventions, gen_ai_system.
        ["otel-seed"] = new(
            "otel-seed",
            new Dictionary<TokenType, TokenMetric>
            {
                [TokenType.Input] = Otel("gen_ai_client_token_usage_input_total", new("gen_ai.client.token.usage.input", "{token}", OtelKind.Counter)),
                [TokenType.Output] = Otel("gen_ai_client_token_usage_output_total", new("gen_ai.client.token.usage.output", "{token}", OtelKind.Counter)),
                [TokenType.CachedInput] = Otel("gen_ai_client_token_usage_cached_input_total", new("gen_ai.client.token.usage.cached_input", "{token}", OtelKind.Counter)),
            },
            new Dictionary<string, IReadOnlyList<string>>
            {
                ["model"] = L("gen_ai_request_model", "gen_ai_response_model"),
                ["provider"] = L("gen_ai_provider_name", "gen_ai_system"),
                ["operation"] = L("gen_ai_operation_name"),
                ["feature"] = L("feature"),
                ["team"] = L("team"),
                // Only the request counter carries it: tokens are not split by outcome in this profile.
                ["outcome"] = L("outcome"),
                ["variant"] = ServiceTier,
            },
            CacheInclusion.Both,
            RequestsMetric: Otel("gen_ai_client_requests_total", new("gen_ai.client.requests", "{request}", OtelKind.Counter)),
            RequestOnlyDimensions: new HashSet<string>(StringComparer.Ordinal) { "outcome" },
            OtelAttributes: GenAiAttributes),

        // The GenAI semantic-convention histogram gen_ai.client.token.usage. OpenLLMetry (traceloop/openllmetry,
        // packages/opentelemetry-instrumentation-openai, shared/__init__.py metric_shared_attributes) declares the unit
        // "token", which the OTel Prometheus exporters append: gen_ai_client_token_usage_token_sum. Its series carry only
        // the response model, and the provider as gen_ai_system (gen_ai_provider_name from semconv 1.37 on).
        // The convention says input SHOULD include cached tokens; there is no cached split.
        ["otel-genai-histogram"] = new(
            "otel-genai-histogram",
            new Dictionary<TokenType, TokenMetric>
            {
                [TokenType.Input] = new("gen_ai_client_token_usage_sum", new Dictionary<string, string> { ["gen_ai_token_type"] = "input" }, ["gen_ai_client_token_usage_token_sum"], TokenUsage),
                [TokenType.Output] = new("gen_ai_client_token_usage_sum", new Dictionary<string, string> { ["gen_ai_token_type"] = "output" }, ["gen_ai_client_token_usage_token_sum"], TokenUsage),
            },
            new Dictionary<string, IReadOnlyList<string>>
            {
                ["model"] = L("gen_ai_request_model", "gen_ai_response_model"),
                ["provider"] = L("gen_ai_provider_name", "gen_ai_system"),
                ["operation"] = L("gen_ai_operation_name"),
                ["variant"] = ServiceTier,
            },
            CacheInclusion.Both,
            OtelAttributes: GenAiAttributes),

        // maximhq/bifrost plugins/telemetry/main.go (defaultBifrostLabelNames; the cache-read and cache-write counters are
        // subsets of bifrost_input_tokens_total, their _5m/_1h variants subsets of the write counter and never added).
        // There is no team label: teams are team_name, else team_id. Feature only exists as a custom label configured in
        // the plugin (x-bf-dim-feature headers); "feature" by default, Prometheus:Labels:feature to change it.
        ["bifrost"] = new(
            "bifrost",
            new Dictionary<TokenType, TokenMetric>
            {
                [TokenType.Input] = new("bifrost_input_tokens_total"),
                [TokenType.Output] = new("bifrost_output_tokens_total"),
                [TokenType.CachedInput] = new("bifrost_cache_read_input_tokens_total"),
                [TokenType.CacheWrite] = new("bifrost_cache_write_input_tokens_total"),
                // plugins/telemetry: bifrost_cache_write_input_tokens_1h_total, "Subset of
                // bifrost_cache_write_input_tokens_total — do not sum with it" (Anthropic only); the _5m counter is the rest.
                [TokenType.CacheWrite1h] = new("bifrost_cache_write_input_tokens_1h_total"),
            },
            new Dictionary<string, IReadOnlyList<string>>
            {
                ["model"] = L("model"),
                ["provider"] = L("provider"),
                ["team"] = L("team_name", "team_id"),
                ["feature"] = L("feature"),
                ["operation"] = L("method"),
            },
            CacheInclusion.Both,
            RequestsMetric: new("bifrost_upstream_requests_total"),
            GatewayCostMetric: new("bifrost_cost_total"),
            ExtraDimensions: new Dictionary<string, IReadOnlyList<string>>
            {
                ["customer"] = L("customer_name", "customer_id"),
                ["virtual_key"] = L("virtual_key_name", "virtual_key_id"),
            }),

        // BerriAI/litellm litellm/types/integrations/prometheus.py (PrometheusMetricLabels): `team` holds the team id and
        // `team_alias` its name; a missing value is written as the string "None" (str(None)). Input counts prompt tokens,
        // cache reads included; cache writes are not added in some versions. The request counter has no `model` label,
        // only `requested_model`.
        ["litellm"] = new(
            "litellm",
            new Dictionary<TokenType, TokenMetric>
            {
                [TokenType.Input] = new("litellm_input_tokens_metric_total"),
                [TokenType.Output] = new("litellm_output_tokens_metric_total"),
            },
            new Dictionary<string, IReadOnlyList<string>>
            {
                ["model"] = L("model", "requested_model"),
                ["team"] = L("team_alias", "team"),
            },
            new CacheInclusion(Reads: true, Writes: false),
            RequestsMetric: new("litellm_proxy_total_requests_metric_total"),
            EmptyValues: new HashSet<string>(StringComparer.Ordinal) { "None" },
            GatewayCostMetric: new("litellm_spend_metric_total"),
            ExtraDimensions: new Dictionary<string, IReadOnlyList<string>>
            {
                ["api_key"] = L("api_key_alias"),
                ["end_user"] = L("end_user"),
            }),
    };

    /// <summary>
    /// This profile as Prometheus 3 stores its OpenTelemetry instruments when they arrive over OTLP under
    /// <paramref name="strategy"/>: dotted or underscored names and labels, with or without unit and type suffixes.
    /// Profiles not made of OpenTelemetry instruments are returned as they are.
    /// </summary>
    public MetricProfile WithOtlp(OtlpTranslation strategy)
    {
        if (OtelAttributes is null) return this;
        string Label(string label) => OtelAttributes.TryGetValue(label, out var attribute) ? OtlpNames.Label(attribute, strategy) : label;
        TokenMetric Translate(TokenMetric metric)
        {
            if (metric.Otel is not { Count: > 0 } instruments) return metric;
            var names = instruments.Select(i => i.SeriesName(strategy)).Distinct(StringComparer.Ordinal).ToList();
            return metric with
            {
                Metric = names[0],
                Alternatives = names.Skip(1).ToList(),
                Matchers = metric.Matchers.ToDictionary(m => Label(m.Key), m => m.Value),
            };
        }

        return this with
        {
            Tokens = Tokens.ToDictionary(t => t.Key, t => Translate(t.Value)),
            RequestsMetric = RequestsMetric is null ? null : Translate(RequestsMetric),
            DimensionLabels = DimensionLabels.ToDictionary(d => d.Key, d => (IReadOnlyList<string>)[.. d.Value.Select(Label)]),
        };
    }

    /// <summary>The labels a dimension is read from, first choice first (empty when the profile does not carry it).</summary>
    public IReadOnlyList<string> LabelsOf(string dimension) => DimensionLabels.GetValueOrDefault(dimension) ?? [];

    /// <summary>The dimension's value on a series: the first of its labels that is filled, else empty.</summary>
    public string Resolve(IReadOnlyDictionary<string, string> labels, string dimension)
    {
        foreach (var label in LabelsOf(dimension))
        {
            if (labels.TryGetValue(label, out var value) && value.Length > 0 && EmptyValues?.Contains(value) != true)
            {
                return value;
            }
        }

        return "";
    }

    /// <summary>Whether the profile reads cached input on its own: without it, all input is priced at the full input price.</summary>
    public bool HasCachedSplit => Tokens.ContainsKey(TokenType.CachedInput);

    /// <summary>This profile with some dimensions read from other labels (Prometheus:Labels).</summary>
    public MetricProfile WithLabels(IReadOnlyDictionary<string, IReadOnlyList<string>> overrides)
    {
        if (overrides.Count == 0) return this;
        var labels = new Dictionary<string, IReadOnlyList<string>>(DimensionLabels, StringComparer.Ordinal);
        foreach (var (dimension, names) in overrides)
        {
            if (names.Count == 0) labels.Remove(dimension);
            else labels[dimension] = names;
        }

        return this with { DimensionLabels = labels };
    }

    /// <summary>What the ledger reads: each token counter, and the request and gateway-cost counters when the profile names them.</summary>
    public IEnumerable<(TokenType Type, TokenMetric Metric)> LedgerCounters =>
        Tokens.Select(t => (t.Key, t.Value))
            .Concat(RequestsMetric is null ? [] : [(TokenType.Requests, RequestsMetric)])
            .Concat(GatewayCostMetric is null ? [] : [(TokenType.GatewayCost, GatewayCostMetric)]);

    /// <summary>The labels a series of <paramref name="metric"/> should carry, per dimension (any one of each list will do), except on token counters those only the request counter has.</summary>
    public IEnumerable<IReadOnlyList<string>> ExpectedLabels(string metric) =>
        DimensionLabels
            // A price variant (a service tier) is carried only by the providers that have tiers: never expected.
            .Where(d => d.Value.Count > 0 && d.Key != "variant" && (RequestsMetric?.Names.Contains(metric) == true || RequestOnlyDimensions?.Contains(d.Key) != true))
            .Select(d => d.Value);

    /// <summary>Each counter's names (first choice first), token counters first, each counter once.</summary>
    public IEnumerable<IReadOnlyList<string>> MetricChoices =>
        LedgerCounters.Select(c => c.Metric.Names).DistinctBy(n => string.Join('\n', n));

    /// <summary>Distinct metric names this profile reads, token counters first, alternatives included.</summary>
    public IEnumerable<string> MetricNames => MetricChoices.SelectMany(n => n).Distinct(StringComparer.Ordinal);
}
