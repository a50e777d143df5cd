namespace CostConsole.Core.Metrics;

/// <summary>
/// A metric profile written in appsettings.json under <c>Prometheus:Profiles:&lt;name&gt;</c>, for exporters the built-in
/// profiles do not cover (or the same exporter with renamed metrics). Metric names and labels may each be a
/// comma-separated list: other names of the same counter (all read), or fallback labels (the first filled one wins).
/// </summary>
public sealed class CustomProfile
{
    public string Input { get; set; } = "";
    public string Output { get; set; } = "";
    public string? CachedInput { get; set; }
    public string? CacheWrite { get; set; }

    /// <summary>Cache writes kept an hour: a subset of <see cref="CacheWrite"/> (without it every write is priced as a 5-minute write).</summary>
    public string? CacheWrite1h { get; set; }

    /// <summary>Reasoning tokens: a subset of <see cref="Output"/>, priced as output and shown apart.</summary>
    public string? Reasoning { get; set; }

    /// <summary>Label matchers per token type, e.g. <c>{"Input": {"gen_ai_token_type": "input"}}</c> for a histogram.</summary>
    public Dictionary<string, Dictionary<string, string>> Matchers { get; set; } = [];

    /// <summary>Dimension → label, or labels in order of preference: model, provider, feature, team, operation, outcome.</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Whether the input counter includes cache reads (cached input).</summary>
    public bool InputIncludesCached { get; set; } = true;

    /// <summary>Whether the input counter includes cache writes; unset, the same as <see cref="InputIncludesCached"/>.</summary>
    public bool? InputIncludesCacheWrites { get; set; }

    /// <summary>Label values that mean "no value", e.g. <c>None</c>.</summary>
    public List<string> EmptyValues { get; set; } = [];

    public string? RequestsMetric { get; set; }
    public string? RestartMetric { get; set; } = "process_start_time_seconds";
    public string InstanceLabel { get; set; } = "instance";

    /// <summary>Extra dimensions: name → label, or labels in order of preference.</summary>
    public Dictionary<string, string> Extra { get; set; } = [];

    public static IReadOnlyList<string> Dimensions => MetricProfile.Dimensions;

    private static readonly IReadOnlyList<string> MatcherTypes =
        [nameof(TokenType.Input), nameof(TokenType.Output), nameof(TokenType.CachedInput), nameof(TokenType.CacheWrite), nameof(TokenType.CacheWrite1h), nameof(TokenType.Reasoning)];

    /// <summary>The parts of a comma-separated setting, trimmed, without empty ones.</summary>
    public static IReadOnlyList<string> List(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    public MetricProfile ToProfile(string name)
    {
        Dictionary<TokenType, TokenMetric> tokens = [];
        void Add(TokenType type, string? metric)
        {
            var names = List(metric);
            if (names.Count > 0)
            {
                tokens[type] = new TokenMetric(names[0], Matchers.GetValueOrDefault(type.ToString()) ?? [], [.. names.Skip(1)]);
            }
        }

        Add(TokenType.Input, Input);
        Add(TokenType.Output, Output);
        Add(TokenType.CachedInput, CachedInput);
        Add(TokenType.CacheWrite, CacheWrite);
        Add(TokenType.CacheWrite1h, CacheWrite1h);
        Add(TokenType.Reasoning, Reasoning);
        var requests = List(RequestsMetric);
        return new MetricProfile(
            name,
            tokens,
            Labels.Where(l => List(l.Value).Count > 0).ToDictionary(l => l.Key, l => List(l.Value)),
            new CacheInclusion(InputIncludesCached, InputIncludesCacheWrites ?? InputIncludesCached),
            requests.Count == 0 ? null : new TokenMetric(requests[0], new Dictionary<string, string>(), [.. requests.Skip(1)]),
            string.IsNullOrWhiteSpace(RestartMetric) ? null : RestartMetric,
            InstanceLabel,
            EmptyValues: EmptyValues.Count == 0 ? null : EmptyValues.ToHashSet(StringComparer.Ordinal),
            ExtraDimensions: Extra.Where(e => List(e.Value).Count > 0).ToDictionary(e => e.Key, e => List(e.Value)));
    }

    /// <summary>What is wrong with this profile, each message naming its configuration key.</summary>
    public IEnumerable<string> Problems(string name)
    {
        var key = $"Prometheus:Profiles:{name}";
        if (List(Input).Count == 0) yield return $"{key}:Input must name the input token metric.";
        if (List(Output).Count == 0) yield return $"{key}:Output must name the output token metric.";
        if (List(Labels.GetValueOrDefault("model")).Count == 0) yield return $"{key}:Labels:model must name the label that carries the model.";
        foreach (var dimension in Labels.Keys.Where(d => !Dimensions.Contains(d)))
        {
            yield return $"{key}:Labels:{dimension} is not a dimension; use {string.Join(", ", Dimensions)}.";
        }

        if (List(CacheWrite1h).Count > 0 && List(CacheWrite).Count == 0)
        {
            yield return $"{key}:CacheWrite1h counts a subset of the cache writes: name the CacheWrite metric too.";
        }

        foreach (var type in Matchers.Keys.Where(t => !MatcherTypes.Contains(t)))
        {
            yield return $"{key}:Matchers:{type} is not a token type; use {string.Join(", ", MatcherTypes)}.";
        }
    }
}
