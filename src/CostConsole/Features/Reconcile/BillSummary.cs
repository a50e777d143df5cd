using System.Globalization;
using CostConsole.Features.Spend;

namespace CostConsole.Features.Reconcile;

/// <summary>
/// "November 2026: CostConsole $41,230.18, provider reports $41,502.77, −0.66%, 3 flagged rows": the last month a
/// provider report covers (the previous one if any import touches it, else this month so far), for the overview
/// (Finance) and the org digest.
/// </summary>
public sealed class BillSummary(InvoiceReconcileQuery query, ProviderReportStore reports, TimeProvider time) : IBillSummaryNote
{
    public async Task<BillSummaryLine?> LatestAsync(CancellationToken cancellationToken = default)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        foreach (var (from, to) in new[] { (thisMonth.AddMonths(-1), thisMonth), (thisMonth, today.AddDays(1)) })
        {
            if ((await reports.CoveringAsync(from, to, cancellationToken)).Count == 0) continue;
            var result = await query.RunAsync(from, to, cancellationToken);
            var gap = result.ReportUsd != 0 ? (result.CostConsoleUsd - result.ReportUsd) / result.ReportUsd * 100m : (decimal?)null;
            var label = from.ToString("MMMM yyyy", CultureInfo.InvariantCulture) + (to < from.AddMonths(1) ? $" (to {to.AddDays(-1):MMMM d})" : "");
            var text = $"{label}: CostConsole {SpendFormat.Money(result.CostConsoleUsd)}, provider reports {SpendFormat.Money(result.ReportUsd)}"
                + (gap is { } g ? $", {g.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture)}%" : "")
                + $", {result.FlaggedRows} flagged row{(result.FlaggedRows == 1 ? "" : "s")}";
            return new BillSummaryLine(text, $"/reconcile/bill?from={from:yyyy-MM-dd}&to={to.AddDays(-1):yyyy-MM-dd}", result.FlaggedRows);
        }

        return null;
    }
}
