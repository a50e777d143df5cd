using CostConsole.Features.Spend;
using CostConsole.Prometheus;

namespace CostConsole.Features.Pricing;

public sealed record FeatureImpact(string Feature, decimal Before, decimal After)
{
    public decimal Change => After - Before;
}

/// <summary>What a price change does to one closed window of the ledger.</summary>
public sealed record ImpactWindow(string Label, DateTimeOffset From, DateTimeOffset To, decimal Before, decimal After, long UnpricedBefore, long UnpricedAfter, IReadOnlyList<FeatureImpact> Features)
{
    public decimal Change => After - Before;

    /// <summary>The relative change, or null when there was no cost before.</summary>
    public decimal? ChangePercent => Before == 0m ? null : Change / Before * 100m;

    public IEnumerable<FeatureImpact> Changed => Features.Where(f => f.Change != 0m);
}

public sealed record PriceImpactResult(IReadOnlyList<string> Models, IReadOnlyList<ImpactWindow> Windows, DateTimeOffset? LedgerThrough);

/// <summary>
/// "This change moves last month's cost from $X to $Y for features A, B, C": the ledger's closed hours of last month
/// and of this month so far, priced with the prices as they are and as they would be, for the models the change touches.
/// </summary>
public sealed class PriceImpact(SpendQuery query, PriceStore prices, PriceEditor editor, TimeProvider time)
{
    /// <summary>The impact of replacing <paramref name="replacing"/> (or nothing) with <paramref name="proposed"/>.</summary>
    public async Task<PriceImpactResult> PreviewAsync(PriceEntry? replacing, PriceEntry proposed, CancellationToken cancellationToken = default)
    {
        var current = await prices.LoadAsync(cancellationToken);
        var changed = current.Entries.Where(e => replacing is null || e != replacing).Append(proposed);
        var after = new PriceBook(changed);
        var seen = await editor.SeenModelsAsync(cancellationToken);
        var touched = new[] { proposed.Model, replacing?.Model }.OfType<string>().Distinct().ToList();
        List<string> models = [.. seen.Select(m => m.Model).Where(m => touched.Any(t => PriceBook.Catches(t, m)))];
        if (models.Count == 0)
        {
            return new PriceImpactResult([], [], null);
        }

        var now = time.GetUtcNow();
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var openHour = RangeWindow.Floor(now, TimeSpan.FromHours(1));
        var (lastMonth, through) = await WindowAsync("Last month", monthStart.AddMonths(-1), monthStart, models, current, after, cancellationToken);
        List<ImpactWindow> windows = [lastMonth];
        if (openHour > monthStart)
        {
            windows.Add((await WindowAsync("This month so far", monthStart, openHour, models, current, after, cancellationToken)).Window);
        }

        return new PriceImpactResult(models, windows, through);
    }

    private async Task<(ImpactWindow Window, DateTimeOffset? Through)> WindowAsync(string label, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<string> models, PriceBook before, PriceBook after, CancellationToken cancellationToken)
    {
        var request = new SpendRequest(from, to, [SpendDimension.Feature]).WithFilter(SpendDimension.Model, models);
        var was = await query.RunWithPricesAsync(request, before, cancellationToken);
        var will = await query.RunWithPricesAsync(request, after, cancellationToken);
        var features = was.Rows.Select(r => r.Keys[0]).Union(will.Rows.Select(r => r.Keys[0]))
            .Select(f => new FeatureImpact(f,
                was.Rows.FirstOrDefault(r => r.Keys[0] == f)?.Figures.CostUsd ?? 0m,
                will.Rows.FirstOrDefault(r => r.Keys[0] == f)?.Figures.CostUsd ?? 0m))
            .OrderByDescending(f => Math.Abs(f.Change)).ThenBy(f => f.Feature, StringComparer.Ordinal)
            .ToList();
        return (new ImpactWindow(label, from, to, was.Totals.CostUsd, will.Totals.CostUsd, was.Totals.UnpricedTokens, will.Totals.UnpricedTokens, features), was.LedgerThrough);
    }
}
