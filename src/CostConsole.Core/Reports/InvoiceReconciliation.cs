using System.Globalization;
using CostConsole.Core.Metrics;
using CostConsole.Core.Pricing;
using CostConsole.Core.Spend;

namespace CostConsole.Core.Reports;

public enum InvoiceCause
{
    /// <summary>Within the tolerance.</summary>
    None,
    /// <summary>A metering gap: a service not instrumented, failed calls not counted, another account.</summary>
    TokensDiffer,
    /// <summary>CostConsole's input differs from the report's by exactly the cache reads: a profile that counts them twice (or not at all).</summary>
    CachedCountedTwice,
    /// <summary>Tokens agree; CostConsole has no price for some of them.</summary>
    Unpriced,
    /// <summary>Tokens agree; the cost does not: a price entry is wrong.</summary>
    PriceDiffers,
    /// <summary>Usage CostConsole never saw.</summary>
    OnlyInReport,
    /// <summary>Usage the report does not have.</summary>
    OnlyInCostConsole,
    /// <summary>Charges that are not tokens (web search, code execution): listed, never compared.</summary>
    NotTokens,
}

/// <summary>The report's side of one key: tokens (when a usage report covers it), cost (when a cost report does), the cost per token type where the report splits it.</summary>
public sealed record ReportSide(ReportTokens? Tokens, decimal? CostUsd, IReadOnlyDictionary<string, decimal> CostByTokenType, bool OtherTiers);

/// <summary>A price the report's cost implies for one token type, beside the price CostConsole has in force that day.</summary>
public sealed record ImpliedPrice(string TokenType, decimal ImpliedPerMTok, decimal? CurrentPerMTok, DateOnly From);

/// <summary>One reconciled key (day, model, and team when asked): both sides, the differences, and the likely cause when flagged.</summary>
public sealed record InvoiceRow(IReadOnlyList<string> Keys, ReportTokens? CostConsoleTokens, decimal? CostConsoleUsd, long UnpricedTokens, ReportSide? Report,
    long? TokenDifference, decimal DifferenceUsd, decimal? DifferencePercent, bool Flagged, InvoiceCause Cause, string? Explanation, ImpliedPrice? Implied);

/// <summary>
/// CostConsole's tokens and cost beside a provider's usage and cost reports, per key. A key is flagged when the
/// tokens differ beyond the tolerance (a metering gap, or cached tokens counted twice when the gap is exactly the
/// cache reads), when the tokens agree but the cost does not (no price, or a wrong one: the implied price per 1M is
/// given), or when it is on one side only. The checks run in that order: a token gap explains a cost gap, never the reverse.
/// </summary>
public static class InvoiceReconciliation
{
    /// <summary>The report's token-type names (Anthropic's cost report <c>token_type</c>) in CostConsole's words.</summary>
    public static readonly IReadOnlyDictionary<string, string> TokenTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["uncached_input_tokens"] = "input",
        ["output_tokens"] = "output",
        ["cache_read_input_tokens"] = "cached input",
        ["cache_creation.ephemeral_5m_input_tokens"] = "cache write",
        ["cache_creation.ephemeral_1h_input_tokens"] = "1-hour cache write",
    };

    /// <summary>CostConsole's figures in the report's split: uncached input, cache reads, 5-minute and 1-hour writes, output.</summary>
    public static ReportTokens TokensOf(SpendFigures f, CacheInclusion inputIncludes) => new(
        f.InputTokens - (inputIncludes.Reads ? f.CachedInputTokens : 0) - (inputIncludes.Writes ? f.CacheWriteTokens : 0),
        f.CachedInputTokens, f.CacheWriteTokens - f.CacheWrite1hTokens, f.CacheWrite1hTokens, f.OutputTokens, f.Requests);

    /// <param name="modelKey">The index of the model among the keys; <paramref name="dayKey"/> that of the day (yyyy-MM-dd).</param>
    /// <param name="priceAt">The base price entry of a model in force at the start of a UTC day, or null.</param>
    public static IReadOnlyList<InvoiceRow> Compare(
        IReadOnlyDictionary<IReadOnlyList<string>, SpendFigures> costConsole, IReadOnlyDictionary<IReadOnlyList<string>, ReportSide> report,
        int dayKey, int modelKey, CacheInclusion inputIncludes, Func<string, DateOnly, PriceEntry?> priceAt, decimal tolerancePercent, decimal minimumUsd)
    {
        bool Near(decimal a, decimal b, decimal floor) => Math.Abs(a - b) <= Math.Max(floor, Math.Max(Math.Abs(a), Math.Abs(b)) * tolerancePercent / 100m);
        List<InvoiceRow> rows = [];
        var keys = costConsole.Keys.Concat(report.Keys).Distinct(KeyComparer.Instance).ToList();
        foreach (var key in keys)
        {
            var cc = costConsole.GetValueOrDefault(key);
            var rep = report.GetValueOrDefault(key);
            var day = DateOnly.ParseExact(key[dayKey], "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var model = key[modelKey];
            var ccTokens = cc is null ? null : TokensOf(cc, inputIncludes);
            var ccCost = cc?.CostUsd;
            var difference = (rep?.CostUsd ?? 0m) - (ccCost ?? 0m);
            var basis = Math.Max(Math.Abs(rep?.CostUsd ?? 0m), Math.Abs(ccCost ?? 0m));
            decimal? percent = ccCost is > 0 && rep?.CostUsd is { } rc ? (rc - ccCost.Value) / ccCost.Value * 100m : null;
            long? tokenDifference = ccTokens is not null && rep?.Tokens is { } rt ? rt.TotalInput + rt.Output - (ccTokens.TotalInput + ccTokens.Output) : null;

            InvoiceRow Row(InvoiceCause cause, string? why, ImpliedPrice? implied = null) =>
                new(key, ccTokens, ccCost, cc?.UnpricedTokens ?? 0, rep, tokenDifference, difference, percent, cause != InvoiceCause.None && cause != InvoiceCause.NotTokens, cause, why, implied);

            var name = $"'{Echo.Printable(SpendDimension.Display(model))}'";
            if (model.Length == 0 && rep is { Tokens: null, CostUsd: > 0 } && rep.CostByTokenType.Count == 0 && cc is null)
            {
                rows.Add(Row(InvoiceCause.NotTokens, "Not attributed to a model: charges that are not tokens (web search, code execution), line items without a model, and bill rows no mapping rule matches. CostConsole does not compare them."));
                continue;
            }

            var ccHas = ccTokens is not null && ccTokens.TotalInput + ccTokens.Output > 0;
            var repHas = rep is not null && ((rep.Tokens is { } t && t.TotalInput + t.Output > 0) || rep.CostUsd is > 0);
            if (!ccHas && repHas)
            {
                rows.Add(Row(InvoiceCause.OnlyInReport, $"Only in the report: usage of {name} CostConsole never saw on {day:yyyy-MM-dd} — a service that is not instrumented, or a day the counters missed."));
                continue;
            }

            if (ccHas && !repHas)
            {
                rows.Add(Row(InvoiceCause.OnlyInCostConsole, $"Only in CostConsole: the report has no usage of {name} on {day:yyyy-MM-dd} — another account or provider key, or calls counted that were never billed."));
                continue;
            }

            if (!ccHas)
            {
                rows.Add(Row(InvoiceCause.None, null));
                continue;
            }

            if (rep!.Tokens is { } reportTokens
                && !(Near(ccTokens!.TotalInput, reportTokens.TotalInput, 0) && Near(ccTokens.Output, reportTokens.Output, 0)))
            {
                var inputGap = ccTokens.TotalInput - reportTokens.TotalInput;
                if (reportTokens.CacheRead > 0 && Near(Math.Abs(inputGap), reportTokens.CacheRead, 0) && Near(ccTokens.Output, reportTokens.Output, 0))
                {
                    rows.Add(Row(InvoiceCause.CachedCountedTwice, inputGap > 0
                        ? $"Tokens differ by exactly the cache reads ({reportTokens.CacheRead:N0}): CostConsole counts cached input twice — the input counter already includes cached tokens, so the profile should say it does (InputIncludes)."
                        : $"Tokens differ by exactly the cache reads ({reportTokens.CacheRead:N0}): CostConsole takes cached input out of an input counter that does not include it — the profile should say it does not (InputIncludes)."));
                }
                else
                {
                    rows.Add(Row(InvoiceCause.TokensDiffer, string.Create(CultureInfo.InvariantCulture,
                        $"Tokens differ: CostConsole {ccTokens.TotalInput:N0} input and {ccTokens.Output:N0} output, the report {reportTokens.TotalInput:N0} and {reportTokens.Output:N0} — a metering gap (a service not instrumented, failed calls not counted, another account).")));
                }

                continue;
            }

            if (rep.CostUsd is not { } reportCost || Near(reportCost, ccCost!.Value, minimumUsd))
            {
                rows.Add(Row(InvoiceCause.None, null));
                continue;
            }

            var tokensChecked = rep.Tokens is not null ? "Tokens equal, cost differs" : "Cost differs (no usage report to check the tokens)";
            var implied = Implied(model, day, rep, rep.Tokens ?? ccTokens!, ccCost!.Value, priceAt);
            var impliedText = implied is null ? ""
                : implied.CurrentPerMTok is { } current
                    ? $": implied {Usd(implied.ImpliedPerMTok)}/M vs {Usd(current)}/M ({implied.TokenType})"
                    : $": implied {Usd(implied.ImpliedPerMTok)}/M ({implied.TokenType})";
            if (cc!.UnpricedTokens > 0)
            {
                rows.Add(Row(InvoiceCause.Unpriced, $"{tokensChecked}: CostConsole has no price for {name} ({cc.UnpricedTokens:N0} tokens unpriced){impliedText}.", implied));
            }
            else
            {
                rows.Add(Row(InvoiceCause.PriceDiffers, $"{tokensChecked}{impliedText} — a price entry of {name} is wrong.", implied));
            }
        }

        return [.. rows.OrderByDescending(r => r.Flagged).ThenByDescending(r => Math.Abs(r.DifferenceUsd)).ThenBy(r => string.Join('\u001f', r.Keys), StringComparer.Ordinal)];
    }

    /// <summary>
    /// The price the report implies: per token type where the report splits its cost so (the type whose price is
    /// furthest off in dollars), else every price scaled alike by the report's cost over CostConsole's (shown for input).
    /// </summary>
    private static ImpliedPrice? Implied(string model, DateOnly day, ReportSide report, ReportTokens tokens, decimal ccCost, Func<string, DateOnly, PriceEntry?> priceAt)
    {
        var current = priceAt(model, day);
        if (report.CostByTokenType.Count > 0 && !report.OtherTiers)
        {
            ImpliedPrice? worst = null;
            var worstDollars = -1m;
            foreach (var (type, cost) in report.CostByTokenType)
            {
                var (count, price) = type switch
                {
                    "uncached_input_tokens" => (tokens.Uncached, current?.InputPerMTok),
                    "output_tokens" => (tokens.Output, current?.OutputPerMTok),
                    "cache_read_input_tokens" => (tokens.CacheRead, current?.EffectiveCachedInput),
                    "cache_creation.ephemeral_5m_input_tokens" => (tokens.CacheWrite5m, current?.EffectiveCacheWrite),
                    "cache_creation.ephemeral_1h_input_tokens" => (tokens.CacheWrite1h, current?.EffectiveCacheWrite1h),
                    _ => (0L, null),
                };
                if (count <= 0) continue;
                var perMTok = decimal.Round(cost / count * 1_000_000m, 6);
                var dollars = Math.Abs(perMTok - (price ?? 0m)) * count / 1_000_000m;
                if (dollars > worstDollars)
                {
                    worstDollars = dollars;
                    worst = new ImpliedPrice(TokenTypes.GetValueOrDefault(type, type), perMTok, price, day);
                }
            }

            return worst;
        }

        if (report.CostUsd is not { } reportCost || ccCost <= 0 || current is null) return null;
        return new ImpliedPrice("input, if every price is off alike", decimal.Round(current.InputPerMTok * reportCost / ccCost, 6), current.InputPerMTok, day);
    }

    private static string Usd(decimal perMTok) => perMTok.ToString(perMTok == decimal.Round(perMTok, 2) ? "$#,0.00" : "$#,0.00####", CultureInfo.InvariantCulture);

    /// <summary>Keys compared by their values.</summary>
    public sealed class KeyComparer : IEqualityComparer<IReadOnlyList<string>>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(IReadOnlyList<string>? x, IReadOnlyList<string>? y) => x is not null && y is not null && x.SequenceEqual(y, StringComparer.Ordinal);

        public int GetHashCode(IReadOnlyList<string> key)
        {
            var hash = new HashCode();
            foreach (var part in key) hash.Add(part, StringComparer.Ordinal);
            return hash.ToHashCode();
        }
    }
}
