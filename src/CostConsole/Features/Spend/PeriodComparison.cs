namespace CostConsole.Features.Spend;

/// <summary>Compares two periods through the shared spend views, by feature, model or team.</summary>
public sealed class PeriodComparison(ISpendViews views)
{
    public async Task<ChangeExplanation> CompareAsync(Period before, Period after, string dimension, SpendRequest filters, CancellationToken cancellationToken = default)
    {
        SpendRequest Request(Period period) => filters with { From = period.From, To = period.To, GroupBy = [dimension] };
        var earlier = views.GetAsync(Request(before), cancellationToken);
        var later = views.GetAsync(Request(after), cancellationToken);
        // The prices of the earlier period's last hour, applied to every hour of the later one.
        var atOld = views.GetAsync(Request(after) with { RepriceAt = before.To.AddHours(-1) }, cancellationToken);
        await Task.WhenAll(earlier, later, atOld);
        return ChangeExplanation.Explain(before, after, dimension, await earlier, await later, await atOld);
    }
}
