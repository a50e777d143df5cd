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

        var knownProfiles = MetricProfile.BuiltIn.Keys.Concat(options.Profiles.Keys).ToList();
        if (!knownProfiles.Contains(options.Profile, StringComparer.Ordinal))
        {
            failures.Add($"Prometheus:Profile '{options.Profile}' is not a known metric profile; use one of: {string.Join(", ", knownProfiles)}.");
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
}
