namespace CostConsole.Core.Spend;

/// <summary>
/// The change in cost of one row between two periods, split so the parts add up exactly:
/// volume effect = the later tokens at the earlier prices − the earlier cost (more or fewer tokens);
/// price effect = the later cost − the later tokens at the earlier prices (new prices on the new tokens).
/// </summary>
public sealed record ChangeRow(IReadOnlyList<string> Keys, decimal Before, decimal After, decimal AfterAtOldPrices, long TokensBefore, long TokensAfter)
{
    /// <summary>Some of the row's tokens have no price in one period or both: its costs leave them out.</summary>
    public bool Unpriced { get; init; }

    public decimal Change => After - Before;

    public decimal VolumeEffect => AfterAtOldPrices - Before;

    public decimal PriceEffect => After - AfterAtOldPrices;

    /// <summary>Null when there was nothing before: a new row has no percentage change.</summary>
    public decimal? ChangePercent => Before != 0 ? Change / Before * 100m : null;

    public bool IsNew => Before == 0 && After != 0;
}

public sealed record ChangeExplanation(Period Before, Period After, string Dimension, ChangeRow Total, IReadOnlyList<ChangeRow> Rows, IReadOnlyList<string> Warnings)
{
    /// <summary>Models without a price in either period: their tokens are in neither side's cost.</summary>
    public IReadOnlyList<string> UnpricedModels { get; init; } = [];

    /// <summary>
    /// Lines the rows of both periods up by key. <paramref name="afterAtOldPrices"/> is the later period priced at
    /// the prices in force at the end of the earlier one (same grouping).
    /// </summary>
    public static ChangeExplanation Explain(Period before, Period after, string dimension, SpendResult earlier, SpendResult later, SpendResult afterAtOldPrices)
    {
        static string Id(IReadOnlyList<string> keys) => string.Join('\u001f', keys);
        var rows = new Dictionary<string, (IReadOnlyList<string> Keys, SpendFigures Before, SpendFigures After, SpendFigures AtOld)>(StringComparer.Ordinal);
        void Put(SpendResult result, int slot)
        {
            foreach (var row in result.Rows)
            {
                var id = Id(row.Keys);
                var current = rows.TryGetValue(id, out var found) ? found : (Keys: row.Keys, Before: SpendFigures.Zero, After: SpendFigures.Zero, AtOld: SpendFigures.Zero);
                rows[id] = slot switch
                {
                    0 => current with { Before = row.Figures },
                    1 => current with { After = row.Figures },
                    _ => current with { AtOld = row.Figures },
                };
            }
        }

        Put(earlier, 0);
        Put(later, 1);
        Put(afterAtOldPrices, 2);
        // In a display currency each figure is its days' costs at their days' rates (USD: the cost itself); the volume
        // effect then also holds any change in the exchange rate between the periods (said below).
        var converted = later.Currency != Currencies.Billing;
        decimal Cost(SpendFigures f) => converted ? f.Converted : f.CostUsd;
        var ranked = rows.Values
            .Select(r => new ChangeRow(r.Keys, Cost(r.Before), Cost(r.After), Cost(r.AtOld), r.Before.BillableTokens, r.After.BillableTokens)
            {
                Unpriced = r.Before.UnpricedTokens + r.After.UnpricedTokens > 0,
            })
            .OrderByDescending(r => Math.Abs(r.Change)).ThenBy(r => Id(r.Keys), StringComparer.Ordinal)
            .ToList();
        var total = new ChangeRow(["Total"], Cost(earlier.Totals), Cost(later.Totals), Cost(afterAtOldPrices.Totals), earlier.Totals.BillableTokens, later.Totals.BillableTokens);
        List<string> warnings = [.. earlier.Warnings.Concat(later.Warnings).Where(w => !w.Contains("have no price", StringComparison.Ordinal)).Distinct()];
        if (converted)
        {
            warnings.Add($"In {later.Currency}, each day's cost is at that day's exchange rate: the volume effect also holds the change in the rate between the periods (the price effect is the later prices at the later days' rates).");
        }
        if (dimension == SpendDimension.Variant && MixNote(ranked, total) is { } mix)
        {
            warnings.Add(mix);
        }

        if (earlier.StartsBeforeLedger || later.StartsBeforeLedger)
        {
            warnings.Insert(0, $"The ledger starts at {earlier.LedgerFrom:yyyy-MM-dd HH:mm} UTC: the hours before it are not known, so the {(earlier.StartsBeforeLedger ? "earlier" : "later")} period is only partly counted and the change is not like for like.");
        }

        return new ChangeExplanation(before, after, dimension, total, ranked, warnings)
        {
            UnpricedModels = [.. earlier.UnpricedModels.Union(later.UnpricedModels).Order(StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// Tokens moving between price variants (batch to standard, flex to priority) change cost at unchanged prices: that
    /// shift is part of the volume effect, a mix effect, and is said so with each variant's share of tokens.
    /// </summary>
    private static string? MixNote(IReadOnlyList<ChangeRow> rows, ChangeRow total)
    {
        if (total.TokensBefore <= 0 || total.TokensAfter <= 0) return null;
        var shifts = rows
            .Select(r => (Name: SpendDimension.Display(r.Keys[0]), Before: 100m * r.TokensBefore / total.TokensBefore, After: 100m * r.TokensAfter / total.TokensAfter))
            .Where(r => Math.Abs(r.After - r.Before) >= 5m)
            .OrderByDescending(r => Math.Abs(r.After - r.Before))
            .ToList();
        return shifts.Count == 0
            ? null
            : "Tokens moved between price variants (" + string.Join(", ", shifts.Select(r => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{r.Name} {r.Before:0}% → {r.After:0}% of tokens")))
              + "): at unchanged prices that shift changes cost too, so it is part of the volume effect — a mix effect, not a price change.";
    }
}
