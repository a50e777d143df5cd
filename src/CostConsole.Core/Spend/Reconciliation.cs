using System.Globalization;

namespace CostConsole.Core.Spend;

/// <summary>One row of a reconciliation: CostConsole's cost and the gateway's own, the difference, and its likely cause when it is over the tolerance.</summary>
public sealed record ReconcileRow(
    IReadOnlyList<string> Keys,
    decimal CostUsd,
    decimal GatewayCostUsd,
    long UnpricedTokens,
    long CachedTokens,
    long BillableTokens,
    bool Flagged,
    string? Cause)
{
    public decimal DifferenceUsd => CostUsd - GatewayCostUsd;

    /// <summary>The difference as a share of the gateway's figure; null where the gateway reported nothing.</summary>
    public decimal? DifferencePercent => GatewayCostUsd == 0 ? null : DifferenceUsd / GatewayCostUsd * 100m;
}

/// <summary>
/// Compares CostConsole's cost with what a gateway reported spending (its own USD counter), row by row, flags the rows
/// whose difference is over the tolerance and names the likely cause. Pure code: spend rows in, rows out.
/// </summary>
public static class Reconciliation
{
    /// <param name="tolerancePercent">A row is flagged when the difference exceeds this share of the larger figure …</param>
    /// <param name="minimumUsd">… and this many dollars (cents of rounding are not a finding).</param>
    public static IReadOnlyList<ReconcileRow> Compare(IReadOnlyList<string> groupBy, IEnumerable<SpendRow> rows, decimal tolerancePercent, decimal minimumUsd)
    {
        var modelKey = groupBy.ToList().IndexOf(SpendDimension.Model);
        string? ModelOf(SpendRow row) => modelKey < 0 ? null : row.Keys[modelKey];
        bool Within(decimal a, decimal b) => Math.Abs(a - b) <= Math.Max(minimumUsd, Math.Max(Math.Abs(a), Math.Abs(b)) * tolerancePercent / 100m);

        var flagged = rows.Select(row => (Row: row, Flagged: !Within(row.Figures.CostUsd, row.Figures.GatewayCostUsd))).ToList();
        // One wrong price entry scales every row of its model alike; cached tokens priced differently do not (their
        // share varies), and add back the cached saving instead. Rows of the same model are read together.
        var explainedByCache = flagged.Where(r => r.Flagged).GroupBy(r => ModelOf(r.Row) ?? "").ToDictionary(g => g.Key, g =>
        {
            var priced = g.Select(r => r.Row.Figures).Where(f => f.UnpricedTokens == 0 && f.CostUsd > 0 && f.GatewayCostUsd > 0).ToList();
            var ratios = priced.Select(f => f.GatewayCostUsd / f.CostUsd).ToList();
            var constantRatio = ratios.Count >= 2 && ratios.Max() - ratios.Min() <= ratios.Average() * Math.Max(tolerancePercent, 0.1m) / 100m;
            return !constantRatio && priced.Count > 0 && priced.All(f => f.CachedSavingsUsd > 0 && Within(f.GatewayCostUsd, f.CostUsd + f.CachedSavingsUsd));
        });

        return [.. flagged
            .Select(r => Row(r.Row, ModelOf(r.Row), r.Flagged, r.Flagged && explainedByCache[ModelOf(r.Row) ?? ""]))
            .OrderByDescending(r => r.Flagged).ThenByDescending(r => Math.Abs(r.DifferenceUsd)).ThenBy(r => string.Join('\u001f', r.Keys), StringComparer.Ordinal)];
    }

    private static ReconcileRow Row(SpendRow row, string? model, bool flagged, bool cachedPricedDifferently)
    {
        var f = row.Figures;
        var cached = f.CachedInputTokens + f.CacheWriteTokens;
        return new ReconcileRow(row.Keys, f.CostUsd, f.GatewayCostUsd, f.UnpricedTokens, cached, f.BillableTokens, flagged, flagged ? Cause(f, model, cachedPricedDifferently) : null);
    }

    private static string Cause(SpendFigures f, string? model, bool cachedPricedDifferently)
    {
        var name = model is null ? "a model" : $"'{Echo.Printable(SpendDimension.Display(model))}'";
        if (f.UnpricedTokens > 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"CostConsole has no price for {name}: its {f.UnpricedTokens:N0} tokens are not in CostConsole's cost. Add a price entry.");
        }

        if (f.GatewayCostUsd == 0)
        {
            return $"The gateway reported no cost for {name}: it may have no price for it.";
        }

        // Pricing the cached tokens at the full input price instead of the cached price adds back the cached saving.
        if (cachedPricedDifferently)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Cached tokens priced differently: the gateway's figure matches pricing the {f.CachedInputTokens:N0} cached tokens at the full input price.");
        }

        var ours = f.BillableTokens == 0 ? 0m : f.CostUsd / f.BillableTokens * 1_000_000m;
        var theirs = f.BillableTokens == 0 ? 0m : f.GatewayCostUsd / f.BillableTokens * 1_000_000m;
        return string.Create(CultureInfo.InvariantCulture,
            $"A price entry differs from the gateway's: its implied price for {name} is ${theirs:0.####} per 1M tokens, CostConsole's ${ours:0.####} ({(theirs - ours) / (ours == 0 ? 1 : ours) * 100m:+0.#;-0.#}%).");
    }
}
