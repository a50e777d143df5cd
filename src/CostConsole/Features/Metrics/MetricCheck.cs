namespace CostConsole.Features.Metrics;

public sealed record MetricPresence(string Metric, bool Found, string? Hint);

/// <summary>Checks a profile's metric names against the names Prometheus knows, and suggests the likely fix for a miss.</summary>
public static class MetricCheck
{
    /// <summary>
    /// One line per counter: each of its names Prometheus has (a counter may go by several), or its first name with a
    /// hint when Prometheus has none of them.
    /// </summary>
    public static IReadOnlyList<MetricPresence> Check(MetricProfile profile, IReadOnlyCollection<string> knownNames)
    {
        var known = knownNames as ISet<string> ?? new HashSet<string>(knownNames, StringComparer.Ordinal);
        List<MetricPresence> presence = [];
        foreach (var names in profile.MetricChoices)
        {
            var found = names.Where(known.Contains).ToList();
            if (found.Count > 0)
            {
                presence.AddRange(found.Where(f => presence.All(p => p.Metric != f)).Select(f => new MetricPresence(f, true, null)));
            }
            else if (presence.All(p => p.Metric != names[0]))
            {
                var hint = Hint(names[0], known);
                presence.Add(new MetricPresence(names[0], false, names.Count > 1 ? $"{hint} (Also looked for: {string.Join(", ", names.Skip(1))}.)" : hint));
            }
        }

        return presence;
    }

    private static string Hint(string metric, ISet<string> known)
    {
        if (metric.EndsWith("_total", StringComparison.Ordinal) && known.Contains(metric[..^"_total".Length]))
        {
            return $"Prometheus has '{metric[..^"_total".Length]}' without the _total suffix: the exporter may not follow the counter naming convention; configure a custom profile with that name.";
        }

        if (known.Contains(metric + "_total"))
        {
            return $"Prometheus has '{metric}_total': counters get a _total suffix when scraped; configure a custom profile with that name.";
        }

        var dotted = metric.Replace('_', '.');
        var dottedMatch = known.FirstOrDefault(k => k.Replace('_', '.').StartsWith(dotted.Replace(".total", ""), StringComparison.Ordinal) && k.Contains('.'));
        if (dottedMatch is not null)
        {
            return $"Prometheus keeps the UTF-8 name '{dottedMatch}': configure a custom profile with that name.";
        }

        var similar = known.Where(k => k.StartsWith(metric.Split('_')[0] + "_", StringComparison.Ordinal)).Take(3).ToList();
        return similar.Count > 0
            ? $"Not found. Similar names in Prometheus: {string.Join(", ", similar)}. Is Prometheus:Profile right?"
            : "Not found. Is the application scraped by this Prometheus, and is Prometheus:Profile right?";
    }
}
