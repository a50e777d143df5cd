namespace CostConsole.Core.Spend;

public enum ChartKind
{
    StackedBars,
    Bars,
    Area,
    /// <summary>Lines, not stacked; series may leave points out (<see cref="ChartSeries.Missing"/>) and be dashed.</summary>
    Lines,
}

/// <summary>One series of a chart: a cost and a token count per category.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<decimal> Costs, IReadOnlyList<long> Tokens)
{
    public const string OtherName = "Other";

    /// <summary>Category indexes with no value (drawn as a gap, not as zero).</summary>
    public IReadOnlySet<int>? Missing { get; init; }

    /// <summary>Drawn dashed: a line that is a limit or a projection, not a measurement.</summary>
    public bool Dashed { get; init; }
}

public readonly record struct ChartPoint(int Series, int Category);

/// <summary>Turns spend rows into chart series: the largest keys by name, the rest summed as "Other".</summary>
public static class ChartData
{
    /// <summary>
    /// Rows keyed (category, series) into series over <paramref name="categories"/>; at most <paramref name="maxSeries"/>
    /// named series, by total cost, then one "Other". With a single key per row there is one series, "Cost".
    /// </summary>
    public static IReadOnlyList<ChartSeries> Build(IReadOnlyList<SpendRow> rows, IReadOnlyList<string> categories, int maxSeries = 8)
    {
        var index = categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        if (rows.All(r => r.Keys.Count < 2))
        {
            var costs = new decimal[categories.Count];
            var tokens = new long[categories.Count];
            foreach (var row in rows.Where(r => r.Keys.Count == 1 && index.ContainsKey(r.Keys[0])))
            {
                costs[index[row.Keys[0]]] += row.Figures.CostUsd;
                tokens[index[row.Keys[0]]] += row.Figures.BillableTokens;
            }

            return rows.Count == 0 ? [] : [new ChartSeries("Cost", costs, tokens)];
        }

        var named = rows.GroupBy(r => r.Keys[1], StringComparer.Ordinal)
            .OrderByDescending(g => g.Sum(r => r.Figures.CostUsd)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(maxSeries).Select(g => g.Key).ToList();
        var seriesIndex = named.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);
        var hasOther = rows.Any(r => !seriesIndex.ContainsKey(r.Keys[1]) && index.ContainsKey(r.Keys[0]));
        var names = hasOther ? [.. named, ChartSeries.OtherName] : named;
        var allCosts = names.Select(_ => new decimal[categories.Count]).ToArray();
        var allTokens = names.Select(_ => new long[categories.Count]).ToArray();
        foreach (var row in rows)
        {
            if (!index.TryGetValue(row.Keys[0], out var category)) continue;
            var s = seriesIndex.TryGetValue(row.Keys[1], out var found) ? found : names.Count - 1;
            allCosts[s][category] += row.Figures.CostUsd;
            allTokens[s][category] += row.Figures.BillableTokens;
        }

        return [.. names.Select((n, i) => new ChartSeries(SpendDimension.Display(n), allCosts[i], allTokens[i]))];
    }
}
