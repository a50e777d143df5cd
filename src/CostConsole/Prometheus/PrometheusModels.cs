namespace CostConsole.Prometheus;

/// <summary>What Prometheus answered, with its warnings and infos. An answer with warnings is not a complete figure.</summary>
public sealed record PromResponse<T>(T Data, IReadOnlyList<string> Warnings, IReadOnlyList<string> Infos)
{
    public bool IsComplete => Warnings.Count == 0;
}

public sealed record PromSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<CounterSample> Samples)
{
    public string? Label(string name) => Labels.TryGetValue(name, out var value) ? value : null;
}

/// <summary>The <c>data</c> of a query answer: a vector or matrix as series, or a scalar/string.</summary>
public sealed record PromQueryData(string ResultType, IReadOnlyList<PromSeries> Series, CounterSample? Scalar = null, string? Text = null);

public sealed record PromBuildInfo(string Version, string? Revision, string? Branch, string? GoVersion);

public sealed record PromRuleGroup(string Name, string File, IReadOnlyList<PromRule> Rules);

public sealed record PromRule(
    string Name,
    string Type,
    string Query,
    string? Health,
    string? LastError,
    string? State,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyList<PromAlert> Alerts);

public sealed record PromAlert(
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    string State,
    DateTimeOffset? ActiveAt,
    string? Value);
