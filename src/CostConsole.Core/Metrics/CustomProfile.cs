namespace CostConsole.Core.Metrics;

/// <summary>
/// A metric profile written in appsettings.json under <c>Prometheus:Profiles:&lt;name&gt;</c>, for exporters the built-in
/// profiles do not cover (or the same exporter with renamed metrics).
/// </summary>
public sealed class CustomProfile
{
    public string Input { get; set; } = "";
    public string Output { get; set; } = "";
    public string? CachedInput { get; set; }
    public string? CacheWrite { get; set; }

    /// <summary>Label matchers per token type, e.g. <c>{"Input": {"gen_ai_token_type": "input"}}</c> for a histogram.</summary>
    public Dictionary<string, Dictionary<string, string>> Matchers { get; set; } = [];

    /// <summary>Dimension → label: model, provider, feature, team, operation, outcome.</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    public bool InputIncludesCached { get; set; } = true;
    public string? RequestsMetric { get; set; }
    public string? RestartMetric { get; set; } = "process_start_time_seconds";
    public string InstanceLabel { get; set; } = "instance";

    public static readonly IReadOnlyList<string> Dimensions = ["model", "provider", "feature", "team", "operation", "outcome"];

    public MetricProfile ToProfile(string name)
    {
        Dictionary<TokenType, TokenMetric> tokens = [];
        void Add(TokenType type, string? metric)
        {
            if (!string.IsNullOrWhiteSpace(metric))
            {
                tokens[type] = new TokenMetric(metric.Trim(), Matchers.GetValueOrDefault(type.ToString()) ?? []);
            }
        }

        Add(TokenType.Input, Input);
        Add(TokenType.Output, Output);
        Add(TokenType.CachedInput, CachedInput);
        Add(TokenType.CacheWrite, CacheWrite);
        return new MetricProfile(name, tokens, Labels, InputIncludesCached, RequestsMetric, string.IsNullOrWhiteSpace(RestartMetric) ? null : RestartMetric, InstanceLabel);
    }

    /// <summary>What is wrong with this profile, each message naming its configuration key.</summary>
    public IEnumerable<string> Problems(string name)
    {
        var key = $"Prometheus:Profiles:{name}";
        if (string.IsNullOrWhiteSpace(Input)) yield return $"{key}:Input must name the input token metric.";
        if (string.IsNullOrWhiteSpace(Output)) yield return $"{key}:Output must name the output token metric.";
        if (!Labels.ContainsKey("model")) yield return $"{key}:Labels:model must name the label that carries the model.";
        foreach (var dimension in Labels.Keys.Where(d => !Dimensions.Contains(d)))
        {
            yield return $"{key}:Labels:{dimension} is not a dimension; use {string.Join(", ", Dimensions)}.";
        }

        foreach (var type in Matchers.Keys.Where(t => !Enum.TryParse<TokenType>(t, out _)))
        {
            yield return $"{key}:Matchers:{type} is not a token type; use Input, Output, CachedInput or CacheWrite.";
        }
    }
}
