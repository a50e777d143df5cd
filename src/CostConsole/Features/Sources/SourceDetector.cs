using System.Globalization;
using CostConsole.Features.Metrics;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Sources;

/// <summary>How one dimension of a profile is filled on the series found: from which label, how many values, how many series leave it empty.</summary>
public sealed record DimensionFill(string Dimension, IReadOnlyList<string> Labels, string? FilledFrom, int Values, int EmptySeries);

/// <summary>A profile whose counters Prometheus holds: how many input series, how its dimensions fill, and a few series as CostConsole reads them.</summary>
public sealed record DetectedProfile(string Profile, bool Active, int Series, IReadOnlyList<string> Metrics, IReadOnlyList<DimensionFill> Dimensions, IReadOnlyList<Dimensions> Sample)
{
    /// <summary>One line, e.g. "bifrost: 34 series; team from team_name: 5 values; feature empty on 12 series".</summary>
    public string Summary
    {
        get
        {
            List<string> parts = [$"{Profile}: {Series.ToString("N0", CultureInfo.InvariantCulture)} series"];
            foreach (var fill in Dimensions)
            {
                parts.Add(fill.FilledFrom is null
                    ? $"{fill.Dimension} empty on every series ({string.Join(" or ", fill.Labels)})"
                    : $"{fill.Dimension} from {fill.FilledFrom}: {fill.Values.ToString("N0", CultureInfo.InvariantCulture)} {(fill.Values == 1 ? "value" : "values")}"
                      + (fill.EmptySeries > 0 ? $", empty on {fill.EmptySeries.ToString("N0", CultureInfo.InvariantCulture)} series" : ""));
            }

            return string.Join("; ", parts);
        }
    }
}

/// <summary>Which known profiles have data in this Prometheus, and the profile to use when the configured one has none.</summary>
public sealed record SourceDetection(string ActiveProfile, IReadOnlyList<DetectedProfile> Profiles, string? Suggestion, string? Problem);

/// <summary>
/// Discovery, so a new user can trust the first number: for every built-in and custom profile, whether Prometheus holds
/// its input counter, how many series it has in the last hours, which of the profile's labels are filled, and how a
/// few real series map into CostConsole's dimensions.
/// </summary>
public sealed class SourceDetector(PrometheusClient client, IOptions<PrometheusOptions> options, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(6);
    public const int SampleSize = 3;

    public async Task<SourceDetection> DetectAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var active = settings.ActiveProfile();
        var now = time.GetUtcNow();
        List<DetectedProfile> found = [];
        try
        {
            var names = (await client.LabelValuesAsync("__name__", cancellationToken: cancellationToken)).Data.ToHashSet(StringComparer.Ordinal);
            var candidates = MetricProfile.BuiltIn.Values
                .Select(p => p.Name == active.Name ? active : p)
                .Concat(settings.Profiles.Where(p => !p.Key.StartsWith('_') && !MetricProfile.BuiltIn.ContainsKey(p.Key)).Select(p => p.Key == active.Name ? active : p.Value.ToProfile(p.Key)));
            foreach (var profile in candidates)
            {
                var input = profile.Tokens[TokenType.Input];
                var present = input.Names.Where(names.Contains).ToList();
                if (present.Count == 0) continue;
                var selectors = present.Select(n => PromQl.Selector(n, input.Matchers.Select(m => LabelMatcher.Equal(m.Key, m.Value)))).ToList();
                var series = (await client.SeriesAsync(selectors, now - Window, now, cancellationToken)).Data;
                found.Add(Describe(profile, profile.Name == active.Name, present, series));
            }
        }
        catch (PrometheusException ex)
        {
            return new SourceDetection(active.Name, found, null, ex.Message);
        }

        return new SourceDetection(active.Name, found, Suggest(active.Name, found), null);
    }

    public static DetectedProfile Describe(MetricProfile profile, bool active, IReadOnlyList<string> metrics, IReadOnlyList<IReadOnlyDictionary<string, string>> series)
    {
        List<DimensionFill> fills = [];
        foreach (var dimension in MetricProfile.Dimensions)
        {
            var labels = profile.LabelsOf(dimension);
            if (labels.Count == 0 || profile.RequestOnlyDimensions?.Contains(dimension) == true) continue;
            var values = series.Select(s => profile.Resolve(s, dimension)).ToList();
            // The label that filled it most often (the first of the profile's labels that a series fills).
            var from = series
                .Select(s => labels.FirstOrDefault(l => s.TryGetValue(l, out var v) && v.Length > 0 && profile.EmptyValues?.Contains(v) != true))
                .OfType<string>().GroupBy(l => l).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
            fills.Add(new DimensionFill(dimension, labels, from, values.Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).Count(), values.Count(v => v.Length == 0)));
        }

        var sample = series.Select(s => Dimensions.From(s, profile)).Distinct().Take(SampleSize).ToList();
        return new DetectedProfile(profile.Name, active, series.Count, metrics, fills, sample);
    }

    /// <summary>When the configured profile finds nothing and another finds series, the one with the most.</summary>
    public static string? Suggest(string active, IReadOnlyList<DetectedProfile> found)
    {
        if (found.Any(p => p.Active && p.Series > 0)) return null;
        var best = found.Where(p => !p.Active && p.Series > 0).OrderByDescending(p => p.Series).FirstOrDefault();
        return best is null
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"Prometheus has no series for the {active} profile in the last {Window.TotalHours:0} hours, but {best.Series:N0} for {best.Profile}: set Prometheus:Profile to {best.Profile}.");
    }
}
