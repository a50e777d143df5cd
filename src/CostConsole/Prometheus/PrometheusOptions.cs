using CostConsole.Features.Metrics;
using Microsoft.Extensions.Options;

namespace CostConsole.Prometheus;

public sealed class PrometheusOptions
{
    public const string Section = "Prometheus";

    /// <summary>Where the Prometheus HTTP API lives, e.g. http://127.0.0.1:9090 (a path prefix is kept).</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The metric profile naming the token counters (see Features/Metrics).</summary>
    public string Profile { get; set; } = "otel-seed";

    /// <summary>How long one API call may take before it is abandoned.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Send partial_response=false (Thanos honours it; Prometheus ignores it).</summary>
    public bool DisallowPartialResponse { get; set; } = true;

    /// <summary>Custom metric profiles by name, next to the built-in ones.</summary>
    public Dictionary<string, CustomProfile> Profiles { get; set; } = [];

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    /// <summary>The profile in use: a custom one of that name, else the built-in one.</summary>
    public MetricProfile ActiveProfile() =>
        Profiles.TryGetValue(Profile, out var custom) ? custom.ToProfile(Profile) : MetricProfile.BuiltIn[Profile];
}

public sealed class ValidatePrometheusOptions : IValidateOptions<PrometheusOptions>
{
    public ValidateOptionsResult Validate(string? name, PrometheusOptions options)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(options.BaseUrl))
        {
            failures.Add("Prometheus:BaseUrl is required (for example http://127.0.0.1:9090).");
        }
        else if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"Prometheus:BaseUrl '{options.BaseUrl}' is not an absolute http or https URL.");
        }

        if (!MetricProfile.BuiltIn.ContainsKey(options.Profile) && !options.Profiles.ContainsKey(options.Profile))
        {
            // Profiles whose names start with '_' are samples to copy (appsettings.json's _example-gateway), not choices.
            var choices = MetricProfile.BuiltIn.Keys.Concat(options.Profiles.Keys.Where(k => !k.StartsWith('_'))).ToList();
            var guess = Closest(options.Profile, choices);
            failures.Add($"Prometheus:Profile '{Configuration.OptionText.Printable(options.Profile)}' is not a known metric profile; use one of: {string.Join(", ", choices)}"
                + (guess is null ? "." : $" (did you mean {guess}?)."));
        }

        foreach (var (profileName, custom) in options.Profiles)
        {
            failures.AddRange(custom.Problems(profileName));
        }

        if (options.TimeoutSeconds is < 1 or > 600)
        {
            failures.Add($"Prometheus:TimeoutSeconds must be between 1 and 600 (was {options.TimeoutSeconds}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The choice a misspelt name most likely meant: one that starts with it, or is within a few edits of it.</summary>
    internal static string? Closest(string typed, IReadOnlyList<string> choices)
    {
        if (typed.Length == 0) return null;
        var prefixed = choices.Where(c => c.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).ToList();
        if (prefixed.Count == 1) return prefixed[0];
        var (best, distance) = choices.Select(c => (c, Distance(typed.ToLowerInvariant(), c.ToLowerInvariant()))).MinBy(p => p.Item2);
        return best is not null && distance <= Math.Max(2, typed.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }
}
