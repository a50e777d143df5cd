namespace CostConsole.Features.Spend;

/// <summary>A month's reconciliation with the provider's bill, in one line, and the page that shows it row by row.</summary>
public sealed record BillSummaryLine(string Text, string Link, int FlaggedRows);

/// <summary>
/// Where the overview gets the bill reconciliation's summary from, without knowing reconciliation (which ranks above
/// spend): the reconciliation feature registers the implementation; without one, the overview shows nothing.
/// </summary>
public interface IBillSummaryNote
{
    /// <summary>The latest month a provider report covers (the previous month, else this one so far), or null when none does.</summary>
    Task<BillSummaryLine?> LatestAsync(CancellationToken cancellationToken = default);
}
