namespace CostConsole.Core.Metrics;

public enum TokenType
{
    Input,
    Output,
    CachedInput,
    CacheWrite,
    /// <summary>Not tokens: the number of requests, kept in the ledger beside the tokens where a profile counts them.</summary>
    Requests,
}

/// <summary>Where one token type lives: a metric name and the label matchers that narrow it (for histograms).</summary>
public sealed record TokenMetric(string Metric, IReadOnlyDictionary<string, string> Matchers)
{
    public TokenMetric(string metric) : this(metric, new Dictionary<string, string>()) { }
}

/// <summary>
/// A metric profile says where each token type lives and which labels carry which dimension (README, Metric profiles).
/// The ledger reads its counters; the Sources and data source pages check that Prometheus holds them.
/// </summary>
public sealed record MetricProfile(
    string Name,
    IReadOnlyDictionary<TokenType, TokenMetric> Tokens,
    IReadOnlyDictionary<string, string> DimensionLabels,
    bool InputIncludesCached,
    string? RequestsMetric = null,
    // Exporters built on the usual client libraries expose it; where a target lacks it, only decreases mark resets.
    string? RestartMetric = "process_start_time_seconds",
    string InstanceLabel = "instance",
    // Dimensions that only the request counter carries (the seed's outcome): token counters are not expected to have them.
    IReadOnlySet<string>? RequestOnlyDimensions = null)
{
    public const string Default = "otel-seed";

    public static IReadOnlyDictionary<string, MetricProfile> BuiltIn { get; } = new Dictionary<string, MetricProfile>(StringComparer.Ordinal)
    {
        ["otel-seed"] = new(
            "otel-seed",
            new Dictionary<TokenType, TokenMetric>
            {
                [TokenType.Input] = new("gen_ai_client_token_usage_input_total"),
                [TokenType.Output] = new("gen_ai_client_token_usage_output_total"),
                [TokenType.CachedInput] = new("gen_ai_client_token_usage_cached_input_total"),
            },
            new Dictionary<string, string>
            {
                ["model"] = "gen_ai_request_model",
                ["provider"] = "gen_ai_provider_name",
                ["operation"] = "gen_ai_operation_name",
                ["feature"] = "feature",
                ["team"] = "team",
                // Only the request counter carries it: tokens are not split by outcome in this profile.
                ["outcome"] = "outcome",
            },
            InputIncludesCached: true,
            RequestsMetric: "gen_ai_client_requests_total",
            RequestOnlyDimensions: new HashSet<string>(StringComparer.Ordinal) { "outcome" }),
        ["otel-genai-histogram"] = new(
            "otel-genai-histogram",
            new Dictionary<TokenType, TokenMetric>
            {
                [TokenType.Input] = new("gen_ai_client_token_usage_sum", new Dictionary<string, string> { ["gen_ai_token_type"] = "input" }),
                [TokenType.Output] = new("gen_ai_client_token_usage_sum", new Dictionary<string, string> { ["gen_ai_token_type"] = "output" }),
            },
            new Dictionary<string, string>
            {
                ["model"] = "gen_ai_request_model",
                ["provider"] = "gen_ai_provider_name",
                ["operation"] = "gen_ai_operation_name",
            },
            InputIncludesCached: true),
        ["bifrost"] = new(
            "bifrost",
            new Dictionary<TokenType, TokenMetric>
            {
                [TokenType.Input] = new("bifrost_input_tokens_total"),
                [TokenType.Output] = new("bifrost_output_tokens_total"),
            },
            new Dictionary<string, string> { ["model"] = "model", ["provider"] = "provider", ["team"] = "team" },
            InputIncludesCached: true),
        ["litellm"] = new(
            "litellm",
            new Dictionary<TokenType, TokenMetric>
            {
                [TokenType.Input] = new("litellm_input_tokens_metric_total"),
                [TokenType.Output] = new("litellm_output_tokens_metric_total"),
            },
            new Dictionary<string, string> { ["model"] = "model", ["team"] = "team" },
            InputIncludesCached: true),
    };

    /// <summary>What the ledger reads: each token counter, and the request counter when the profile names one.</summary>
    public IEnumerable<(TokenType Type, TokenMetric Metric)> LedgerCounters =>
        Tokens.Select(t => (t.Key, t.Value)).Concat(RequestsMetric is null ? [] : [(TokenType.Requests, new TokenMetric(RequestsMetric))]);

    /// <summary>The labels a series of <paramref name="metric"/> should carry: every dimension's, except on token counters those only the request counter has.</summary>
    public IEnumerable<string> ExpectedLabels(string metric) =>
        DimensionLabels.Where(d => metric == RequestsMetric || RequestOnlyDimensions?.Contains(d.Key) != true).Select(d => d.Value).Distinct(StringComparer.Ordinal);

    /// <summary>Distinct metric names this profile reads, token counters first.</summary>
    public IEnumerable<string> MetricNames =>
        Tokens.Values.Select(t => t.Metric).Concat(RequestsMetric is null ? [] : [RequestsMetric]).Distinct(StringComparer.Ordinal);
}
