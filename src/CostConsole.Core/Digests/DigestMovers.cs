using CostConsole.Core.Spend;

namespace CostConsole.Core.Digests;

/// <summary>One line of a top-three list: a feature or model, its spend yesterday and the week before.</summary>
public sealed record DigestMover(string Name, decimal Yesterday, decimal WeekBefore, bool Unpriced)
{
    public decimal Change => Yesterday - WeekBefore;
    public decimal? ChangePercent => WeekBefore != 0 ? Change / WeekBefore * 100m : null;
}

/// <summary>A threshold crossing of the digest's month, up to its cut-off.</summary>
/// <param name="Recorded">False for a threshold the month's spend has reached that the background check has not recorded yet (its hour is not known; the cut-off is shown).</param>
public sealed record DigestCrossing(string Team, int Threshold, DateTimeOffset CrossedUtc, decimal BudgetUsd, bool Recorded = true, string Currency = "USD");

/// <summary>The top-N lists of a digest, from the comparison of yesterday with the same weekday a week before.</summary>
public static class DigestMovers
{
    /// <summary>What cost most yesterday (rows with unpriced tokens count, so a model without a price is not hidden).</summary>
    public static IReadOnlyList<DigestMover> BySpend(ChangeExplanation explanation, int top) =>
        Take(explanation.Rows.Where(r => r.After > 0 || r.Unpriced).OrderByDescending(r => r.After), top);

    /// <summary>What grew most against the week before (only rows that grew).</summary>
    public static IReadOnlyList<DigestMover> ByIncrease(ChangeExplanation explanation, int top) =>
        Take(explanation.Rows.Where(r => r.Change > 0).OrderByDescending(r => r.Change), top);

    private static IReadOnlyList<DigestMover> Take(IOrderedEnumerable<ChangeRow> rows, int top) =>
        [.. rows.ThenBy(r => r.Keys[0], StringComparer.Ordinal).Take(top).Select(r => new DigestMover(SpendDimension.Display(r.Keys[0]), r.After, r.Before, r.Unpriced))];
}
