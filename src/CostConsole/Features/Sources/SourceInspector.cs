using System.Text.RegularExpressions;
using CostConsole.Features.Metrics;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Sources;

public sealed record LabelCardinality(string Label, int Values, string? Warning);

public sealed record MetricSource(string Metric, bool Found, string? Hint, int Series, IReadOnlyList<LabelCardinality> Labels, IReadOnlyList<IReadOnlyList<string>> MissingLabels);

/// <summary>
/// How the targets exposing token counters can be told to have restarted: by a start time, by an OTel instance id,
/// or (<see cref="Unreliable"/>) only by a drop or by a gap while the target kept being scraped.
/// </summary>
public sealed record RestartCoverage(int Targets, int WithStartTime, int WithInstanceId, int Unreliable, string? RestartMetric);

public sealed record SourceReport(IReadOnlyList<MetricSource> Metrics, string? RetentionWarning, string? Problem)
{
    public RestartCoverage? Restarts { get; init; }
}

/// <summary>
/// Looks at the profile's metrics as they are in Prometheus now: series counts, label cardinalities (flagging labels
/// that look unbounded), labels the profile expects but does not find, and whether retention covers a month.
/// </summary>
public sealed partial class SourceInspector(PrometheusClient client, IOptions<PrometheusOptions> options, TimeProvider time)
{
    public const int UnboundedValues = 1000;
    public const int MinimumRetentionDays = 35;

    [GeneratedRegex("(^|_)(user|request|session|trace|span|conversation|message)_?id$|^(email|ip|uuid)$", RegexOptions.IgnoreCase)]
    private static partial Regex PerRequestLabel();

    public async Task<SourceReport> InspectAsync(IReadOnlyList<MetricPresence> presence, string? retention, CancellationToken cancellationToken = default)
    {
        var profile = options.Value.ActiveProfile();
        var now = time.GetUtcNow();
        List<MetricSource> metrics = [];
        try
        {
            foreach (var metric in presence)
            {
                if (!metric.Found)
                {
                    metrics.Add(new MetricSource(metric.Metric, false, metric.Hint, 0, [], []));
                    continue;
                }

                var series = await client.SeriesAsync([PromQl.Selector(metric.Metric)], now.AddHours(-1), now, cancellationToken);
                var labels = series.Data.SelectMany(s => s.Keys).Distinct(StringComparer.Ordinal)
                    .Where(l => l != "__name__")
                    .Select(label =>
                    {
                        var values = series.Data.Select(s => s.GetValueOrDefault(label)).Where(v => v is not null).Distinct(StringComparer.Ordinal).Count();
                        var warning = PerRequestLabel().IsMatch(label)
                            ? $"'{label}' looks like a per-request or per-user label: it makes a new series for every value; drop it from the metric."
                            : values >= UnboundedValues ? $"'{label}' has {values:N0} values in the last hour: it may be unbounded." : null;
                        return new LabelCardinality(label, values, warning);
                    })
                    .OrderByDescending(l => l.Values).ToList();
                var present = labels.Select(l => l.Label).ToHashSet(StringComparer.Ordinal);
                var missing = profile.ExpectedLabels(metric.Metric).Where(choice => !choice.Any(present.Contains) && series.Data.Count > 0).ToList();
                metrics.Add(new MetricSource(metric.Metric, true, null, series.Data.Count, labels, missing));
            }
        }
        catch (PrometheusException ex)
        {
            return new SourceReport(metrics, RetentionWarning(retention), ex.Message);
        }

        RestartCoverage? restarts = null;
        try
        {
            restarts = await RestartCoverageAsync(profile, presence, now, cancellationToken);
        }
        catch (PrometheusException ex)
        {
            return new SourceReport(metrics, RetentionWarning(retention), ex.Message);
        }

        return new SourceReport(metrics, RetentionWarning(retention), null) { Restarts = restarts };
    }

    /// <summary>For the targets that exposed the profile's token counters in the last hour, which restart signals they have.</summary>
    private async Task<RestartCoverage?> RestartCoverageAsync(MetricProfile profile, IReadOnlyList<MetricPresence> presence, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var tokenNames = profile.Tokens.Values.SelectMany(t => t.Names).ToHashSet(StringComparer.Ordinal);
        var found = presence.Where(p => p.Found && tokenNames.Contains(p.Metric)).Select(p => PromQl.Selector(p.Metric)).ToList();
        if (found.Count == 0) return null;

        (string, string) Target(IReadOnlyDictionary<string, string> labels) => (labels.GetValueOrDefault("job") ?? "", labels.GetValueOrDefault(profile.InstanceLabel) ?? "");
        async Task<HashSet<(string, string)>> TargetsOf(IEnumerable<string> selectors, Func<IReadOnlyDictionary<string, string>, bool>? where = null) =>
            [.. (await client.SeriesAsync([.. selectors], now.AddHours(-1), now, cancellationToken)).Data.Where(s => where?.Invoke(s) != false).Select(Target)];

        var targets = await TargetsOf(found);
        var withStart = profile.RestartMetric is { } restartMetric ? await TargetsOf([PromQl.Selector(restartMetric)]) : [];
        var withId = await TargetsOf([PromQl.Selector(Ledger.LedgerIngestor.TargetInfoMetric)], s => !string.IsNullOrEmpty(s.GetValueOrDefault(Ledger.LedgerIngestor.InstanceIdLabel)));
        return new RestartCoverage(
            targets.Count,
            targets.Count(withStart.Contains),
            targets.Count(withId.Contains),
            targets.Count(t => !withStart.Contains(t) && !withId.Contains(t)),
            profile.RestartMetric);
    }

    /// <summary>A warning when the retention (Prometheus' own words, e.g. 15d, 2w, 10y) cannot cover a month and its comparison.</summary>
    public static string? RetentionWarning(string? retention)
    {
        if (string.IsNullOrEmpty(retention)) return null;
        var match = Regex.Match(retention, @"^(\d+)(y|w|d|h|m|s|ms)\b");
        if (!match.Success) return null;
        var n = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var days = match.Groups[2].Value switch
        {
            "y" => n * 365, "w" => n * 7, "d" => n, "h" => n / 24, "m" => n / 1440, "s" => n / 86400, _ => n / 86_400_000,
        };
        return days < MinimumRetentionDays
            ? $"Prometheus keeps {retention}: less than {MinimumRetentionDays} days, so a month and its comparison cannot be read from it. The ledger keeps every hour it has already ingested."
            : null;
    }
}

public static class SourcesSetup
{
    public static IServiceCollection AddCostConsoleSources(this IServiceCollection services) => services.AddSingleton<SourceInspector>().AddSingleton<SourceDetector>();
}
