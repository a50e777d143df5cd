using System.Globalization;
using System.Net;
using System.Text;
using CostConsole.Features.Budgets;
using CostConsole.Features.Spend;

namespace CostConsole.Features.Digests;

/// <summary>
/// Writes a digest as mail: a subject, HTML for mail clients (tables and inline styles, no scripts, no external
/// resources) and a plain-text alternative saying the same. Every label value is encoded: they come from applications.
/// </summary>
public static class DigestRenderer
{
    private static readonly CultureInfo Us = CultureInfo.GetCultureInfo("en-US");
    private const string Font = "font-family:Arial,Helvetica,sans-serif;color:#1f2933;";
    private const string Cell = "padding:4px 10px;border-bottom:1px solid #e4e7eb;text-align:left;";
    private const string Number = "padding:4px 10px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap;";

    public static string DayText(DateOnly day) => day.ToString("ddd, MMM d yyyy", Us);

    public static string Subject(DigestContent digest)
    {
        var scope = Clean(digest.Scope);
        var day = digest.Day.ToString("ddd MMM d", Us);
        if (digest.NoData) return $"[CostConsole] {scope}: no figures for {day}";
        if (digest.NoSpend) return $"[CostConsole] {scope}: no spend recorded on {day}";
        var change = digest.WeekBeforeUsd == 0 || digest.WeekBeforeUnknown ? "" : $" ({SpendFormat.Percent(digest.ChangePercent)} vs a week before)";
        return $"[CostConsole] {scope}: {SpendFormat.Money(digest.YesterdayUsd, digest.Currency)} on {day}{change}";
    }

    /// <summary>The sentence on yesterday, the same in both bodies.</summary>
    public static string Headline(DigestContent digest)
    {
        var day = DayText(digest.Day);
        if (digest.NoData)
        {
            return $"No figures are known for {day} ({digest.Zone.Id}): the ledger holds no data for that day, so the spend is unknown, not zero. Check Data source in CostConsole.";
        }

        if (digest.NoSpend)
        {
            return $"No spend recorded for {digest.Scope} on {day} ({digest.Zone.Id}): the ledger covers the day and counted no tokens.";
        }

        var text = $"{digest.Scope} spent {SpendFormat.Money(digest.YesterdayUsd, digest.Currency)} on {day} ({digest.Zone.Id})";
        if (digest.WeekBeforeUnknown)
        {
            return text + $"; {DayText(digest.Day.AddDays(-7))}, a week before, is not in the ledger, so there is no change to show.";
        }

        text += digest.WeekBeforeUsd == 0 && digest.YesterdayUsd != 0
            ? ", with no spend on the same weekday a week before."
            : $", {SpendFormat.MoneyChange(digest.Change, digest.Currency)} ({SpendFormat.Percent(digest.ChangePercent)}) against {SpendFormat.Money(digest.WeekBeforeUsd, digest.Currency)} on {DayText(digest.Day.AddDays(-7))}.";
        return text;
    }

    public static string BudgetLine(TeamOutlook outlook)
    {
        var o = outlook.Outlook;
        var month = o.MonthStart.UtcDateTime.ToString("MMMM yyyy", Us);
        if (o.BudgetUsd is not { } budget)
        {
            return $"Month to date ({month}, UTC): {SpendFormat.Money(o.MonthToDateUsd, outlook.Currency)}; no budget is set; projected month end {SpendFormat.Money(Math.Max(o.ProjectedMonthEnd24h, o.ProjectedMonthEnd7d), outlook.Currency)}.";
        }

        return $"Month to date ({month}, UTC): {SpendFormat.Money(o.MonthToDateUsd, outlook.Currency)} of {SpendFormat.Money(budget, outlook.Currency)} ({o.UsedPercent!.Value.ToString("0.0", Us)}% used); "
            + $"projected month end {SpendFormat.Money(o.ProjectedMonthEnd24h, outlook.Currency)} at the last 24 hours' rate, {SpendFormat.Money(o.ProjectedMonthEnd7d, outlook.Currency)} at the last 7 days'. Status: {StatusText(o.Status)}.";
    }

    public static string StatusText(BudgetStatus status) => status switch
    {
        BudgetStatus.Over => "over budget",
        BudgetStatus.AtRisk => "at risk",
        BudgetStatus.OnTrack => "on track",
        _ => "no budget",
    };

    public static string Text(DigestContent digest)
    {
        var text = new StringBuilder();
        text.AppendLine($"CostConsole daily digest: {digest.Scope}, {DayText(digest.Day)}");
        text.AppendLine();
        text.AppendLine(Headline(digest));
        foreach (var warning in digest.Warnings) text.AppendLine("Note: " + warning);
        if (digest.Outlook is { } outlook)
        {
            text.AppendLine();
            text.AppendLine(BudgetLine(outlook));
            if (outlook.Incomplete) text.AppendLine("Note: part of the month could not be read; the figures are a floor and thresholds are not judged.");
        }

        if (!digest.NoData && !digest.NoSpend)
        {
            void List(string title, IReadOnlyList<DigestMover> movers, bool byIncrease)
            {
                text.AppendLine();
                text.AppendLine(title);
                if (movers.Count == 0) text.AppendLine("  (none)");
                foreach (var m in movers)
                {
                    var figure = byIncrease ? $"{SpendFormat.MoneyChange(m.Change, digest.Currency)} ({SpendFormat.Percent(m.ChangePercent)}), now {SpendFormat.Money(m.Yesterday, digest.Currency)}" : Spend(m, digest.Currency);
                    text.AppendLine($"  - {Clean(m.Name)}: {figure}");
                }
            }

            List("Top features by spend", digest.FeaturesBySpend, false);
            List("Top features by increase", digest.FeaturesByIncrease, true);
            List("Top models by spend", digest.ModelsBySpend, false);
            List("Top models by increase", digest.ModelsByIncrease, true);
        }

        text.AppendLine();
        text.AppendLine("Budget thresholds crossed this month");
        if (digest.Crossings.Count == 0) text.AppendLine("  (none)");
        foreach (var c in digest.Crossings) text.AppendLine($"  - {Clean(c.Team)} reached {c.Threshold}% of {SpendFormat.Money(c.BudgetUsd, c.Currency)} {CrossedText(c)}");
        if (digest.Bill is { } bill)
        {
            text.AppendLine();
            text.AppendLine("Reconciled with the bill");
            text.AppendLine($"  {Clean(bill.Text)}{(bill.Link.Length > 0 ? " — " + bill.Link : "")}");
        }

        text.AppendLine();
        text.AppendLine("Cost alerts firing in Prometheus");
        if (digest.AlertsUnknown is { } unknown) text.AppendLine("  Unknown: " + unknown);
        else if (digest.FiringAlerts.Count == 0) text.AppendLine("  (none)");
        foreach (var a in digest.FiringAlerts) text.AppendLine($"  - {Clean(a.Name)}{(a.Summary is { } s ? ": " + Clean(s) : "")}");
        if (digest.UnpricedTokens > 0)
        {
            text.AppendLine();
            text.AppendLine($"Unpriced usage: {SpendFormat.Count(digest.UnpricedTokens)} tokens of {string.Join(", ", digest.UnpricedModels.Select(Clean))} have no price and are not in the figures above.");
        }

        if (digest.ExplorerUrl is not null)
        {
            text.AppendLine();
            text.AppendLine("Open this day in the explorer: " + digest.ExplorerUrl);
            text.AppendLine("Burn projection: " + digest.BudgetUrl);
        }

        return text.ToString();
    }

    public static string Html(DigestContent digest)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(E(Subject(digest))).Append("</title></head>");
        h.Append($"<body style=\"margin:0;padding:16px;background:#f5f7fa;{Font}\">");
        h.Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #e4e7eb\"><tr><td style=\"padding:16px 20px\">");
        h.Append($"<h1 style=\"{Font}font-size:20px;margin:0 0 4px\">{E(digest.Scope)}</h1>");
        h.Append($"<p style=\"{Font}font-size:13px;margin:0 0 16px;color:#52606d\">Daily digest for {E(DayText(digest.Day))}, {E(digest.Zone.Id)}</p>");
        h.Append($"<p data-part=\"headline\" style=\"{Font}font-size:16px;margin:0 0 12px\">{E(Headline(digest))}</p>");
        foreach (var warning in digest.Warnings)
        {
            h.Append($"<p style=\"{Font}font-size:13px;margin:0 0 8px;padding:6px 8px;background:#fff8e1;border-left:3px solid #f0b429\">{E(warning)}</p>");
        }

        if (digest.Outlook is { } outlook)
        {
            var colour = outlook.Outlook.Status switch { BudgetStatus.Over => "#c62828", BudgetStatus.AtRisk => "#b26a00", BudgetStatus.OnTrack => "#2e7d32", _ => "#52606d" };
            h.Append($"<h2 style=\"{Font}font-size:15px;margin:16px 0 6px\">Budget</h2>");
            h.Append("<table data-part=\"budget\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;font-size:14px\">");
            Row(h, "Month to date (UTC month)", SpendFormat.Money(outlook.Outlook.MonthToDateUsd, outlook.Currency));
            Row(h, "Budget", outlook.Outlook.BudgetUsd is { } b ? SpendFormat.Money(b, outlook.Currency) : "not set");
            if (outlook.Outlook.UsedPercent is { } used) Row(h, "Used", used.ToString("0.0", Us) + "%");
            Row(h, "Projected month end (24 h rate)", SpendFormat.Money(outlook.Outlook.ProjectedMonthEnd24h, outlook.Currency));
            Row(h, "Projected month end (7 d rate)", SpendFormat.Money(outlook.Outlook.ProjectedMonthEnd7d, outlook.Currency));
            h.Append($"<tr><td style=\"{Cell}\">Status</td><td style=\"{Number}color:{colour};font-weight:bold\">{E(StatusText(outlook.Outlook.Status))}</td></tr>");
            h.Append("</table>");
            h.Append($"<p style=\"{Font}font-size:13px;margin:6px 0 0;color:#52606d\">{E(outlook.Outlook.Reason)}</p>");
            if (outlook.Incomplete)
            {
                h.Append($"<p style=\"{Font}font-size:13px;margin:6px 0 0;color:#b26a00\">Part of the month could not be read; the figures are a floor and thresholds are not judged.</p>");
            }
        }

        if (!digest.NoData && !digest.NoSpend)
        {
            Movers(h, "Top features", digest.FeaturesBySpend, digest.FeaturesByIncrease, "features", digest.Currency);
            Movers(h, "Top models", digest.ModelsBySpend, digest.ModelsByIncrease, "models", digest.Currency);
        }

        h.Append($"<h2 style=\"{Font}font-size:15px;margin:16px 0 6px\">Budget thresholds crossed this month</h2>");
        if (digest.Crossings.Count == 0)
        {
            h.Append($"<p style=\"{Font}font-size:14px;margin:0\">None.</p>");
        }
        else
        {
            h.Append("<table data-part=\"crossings\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;font-size:14px\">");
            foreach (var c in digest.Crossings)
            {
                Row(h, $"{c.Team} reached {c.Threshold}% of {SpendFormat.Money(c.BudgetUsd, c.Currency)}", CrossedText(c));
            }

            h.Append("</table>");
        }

        if (digest.Bill is { } bill)
        {
            h.Append($"<h2 style=\"{Font}font-size:15px;margin:16px 0 6px\">Reconciled with the bill</h2>");
            h.Append($"<p data-part=\"bill\" style=\"{Font}font-size:14px;margin:0\">{E(bill.Text)}");
            if (bill.Link.Length > 0) h.Append($" — <a href=\"{E(bill.Link)}\">see the rows</a>");
            h.Append("</p>");
        }

        h.Append($"<h2 style=\"{Font}font-size:15px;margin:16px 0 6px\">Cost alerts firing</h2>");
        if (digest.AlertsUnknown is { } unknown)
        {
            h.Append($"<p data-part=\"alerts\" style=\"{Font}font-size:14px;margin:0;color:#b26a00\">Unknown: {E(unknown)}</p>");
        }
        else if (digest.FiringAlerts.Count == 0)
        {
            h.Append($"<p style=\"{Font}font-size:14px;margin:0\">None.</p>");
        }
        else
        {
            h.Append("<ul data-part=\"alerts\" style=\"font-size:14px;margin:0;padding-left:20px\">");
            foreach (var a in digest.FiringAlerts) h.Append("<li><strong>").Append(E(a.Name)).Append("</strong>").Append(a.Summary is { } s ? ": " + E(s) : "").Append("</li>");
            h.Append("</ul>");
        }

        if (digest.UnpricedTokens > 0)
        {
            h.Append($"<p data-part=\"unpriced\" style=\"{Font}font-size:14px;margin:16px 0 0;padding:6px 8px;background:#fff8e1;border-left:3px solid #f0b429\">Unpriced usage: {E(SpendFormat.Count(digest.UnpricedTokens))} tokens of {E(string.Join(", ", digest.UnpricedModels))} have no price and are not in the figures above.</p>");
        }

        if (digest.ExplorerUrl is not null)
        {
            h.Append($"<p style=\"{Font}font-size:14px;margin:16px 0 0\"><a href=\"{E(digest.ExplorerUrl)}\" style=\"color:#1565c0\">Open this day in the explorer</a> · <a href=\"{E(digest.BudgetUrl!)}\" style=\"color:#1565c0\">Burn projection</a></p>");
        }

        h.Append($"<p style=\"{Font}font-size:12px;margin:20px 0 0;color:#7b8794\">Costs are computed from token counters and the price history in force at each hour. Manage this digest under Digests in CostConsole.</p>");
        h.Append("</td></tr></table></body></html>");
        return h.ToString();
    }

    public static string CrossedText(DigestCrossing crossing) =>
        (crossing.Recorded ? "by " : "before ") + crossing.CrossedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Us) + " UTC" + (crossing.Recorded ? "" : " (being recorded)");

    private static void Row(StringBuilder h, string label, string value) =>
        h.Append($"<tr><td style=\"{Cell}\">{E(label)}</td><td style=\"{Number}\">{E(value)}</td></tr>");

    private static void Movers(StringBuilder h, string title, IReadOnlyList<DigestMover> bySpend, IReadOnlyList<DigestMover> byIncrease, string part, string currency = "USD")
    {
        h.Append($"<h2 style=\"{Font}font-size:15px;margin:16px 0 6px\">{E(title)}</h2>");
        h.Append($"<table data-part=\"{part}\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;font-size:14px\"><tr>");
        h.Append($"<th style=\"{Cell}\">By spend</th><th style=\"{Number}\">Yesterday</th><th style=\"{Cell}\">By increase</th><th style=\"{Number}\">Change</th></tr>");
        for (var i = 0; i < Math.Max(1, Math.Max(bySpend.Count, byIncrease.Count)); i++)
        {
            var s = i < bySpend.Count ? bySpend[i] : null;
            var c = i < byIncrease.Count ? byIncrease[i] : null;
            h.Append("<tr>");
            h.Append($"<td style=\"{Cell}\">{(s is null ? (i == 0 ? "none" : "") : E(s.Name))}</td><td style=\"{Number}\">{(s is null ? "" : E(Spend(s, currency)))}</td>");
            h.Append($"<td style=\"{Cell}\">{(c is null ? (i == 0 ? "no increase" : "") : E(c.Name))}</td><td style=\"{Number}\">{(c is null ? "" : E($"{SpendFormat.MoneyChange(c.Change, currency)} ({SpendFormat.Percent(c.ChangePercent)})"))}</td>");
            h.Append("</tr>");
        }

        h.Append("</table>");
    }

    /// <summary>A line's spend, saying "unpriced" rather than a bare $0.00 where its tokens have no price.</summary>
    public static string Spend(DigestMover mover, string currency = "USD") =>
        mover.Unpriced ? (mover.Yesterday == 0 ? "unpriced tokens" : SpendFormat.Money(mover.Yesterday, currency) + " + unpriced tokens") : SpendFormat.Money(mover.Yesterday, currency);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Label values in a subject or plain text: no line breaks or control characters.</summary>
    private static string Clean(string text) => new([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);
}
