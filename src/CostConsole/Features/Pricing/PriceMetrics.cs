using System.Text;
using CostConsole.Features.Metrics;

namespace CostConsole.Features.Pricing;

/// <summary>The prices in force now, as CostConsole's own <c>/metrics</c> shows them for Prometheus rules to join on.</summary>
public static class PriceMetrics
{
    private static readonly TokenType[] Types = [TokenType.Input, TokenType.CachedInput, TokenType.CacheWrite, TokenType.CacheWrite1h, TokenType.Output];

    /// <summary>
    /// Model → entry in force at <paramref name="now"/>, for every model with an entry of its own and every model
    /// seen in the ledger that a pattern prices (Prometheus joins on concrete model names, not patterns).
    /// </summary>
    public static IReadOnlyDictionary<string, PriceEntry> InForce(PriceBook book, IEnumerable<string> seenModels, DateTimeOffset now)
    {
        var models = book.Entries.Where(e => !e.IsPattern).Select(e => e.Model).Concat(seenModels).Distinct(StringComparer.Ordinal);
        var prices = new SortedDictionary<string, PriceEntry>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            if (book.PriceAt(model, now) is { } price)
            {
                prices[model] = price;
            }
        }

        return prices;
    }

    /// <summary>
    /// (model, variant) → the variant's prices in force at <paramref name="now"/> (a multiplier applied to the base in
    /// force), for every model with a variant entry of its own and every seen model a variant pattern prices.
    /// </summary>
    public static IReadOnlyDictionary<(string Model, string Variant), PriceEntry> VariantsInForce(PriceBook book, IEnumerable<string> seenModels, DateTimeOffset now)
    {
        var variantEntries = book.Entries.Where(e => !e.IsBase).ToList();
        var prices = new SortedDictionary<(string, string), PriceEntry>();
        var seen = seenModels.ToList();
        foreach (var variant in variantEntries.Select(e => e.Variant).Distinct(StringComparer.Ordinal))
        {
            var models = variantEntries.Where(e => e.Variant == variant && !e.IsPattern).Select(e => e.Model)
                .Concat(seen.Where(m => variantEntries.Any(e => e.Variant == variant && e.IsPattern && PriceBook.Catches(e.Model, m))));
            foreach (var model in models.Distinct(StringComparer.Ordinal))
            {
                if (book.PriceFor(model, variant, now) is { Price: { } price, AsBase: false })
                {
                    prices[(model, variant)] = price;
                }
            }
        }

        return prices;
    }

    public static decimal PerMillion(PriceEntry price, TokenType type) => type switch
    {
        TokenType.Input => price.InputPerMTok,
        TokenType.CachedInput => price.EffectiveCachedInput,
        TokenType.CacheWrite => price.EffectiveCacheWrite,
        TokenType.CacheWrite1h => price.EffectiveCacheWrite1h,
        TokenType.Output => price.OutputPerMTok,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Prometheus text exposition format 0.0.4.</summary>
    /// <param name="variants">Variant prices in force, written with a <c>variant</c> label (base prices carry none, so
    /// <c>variant=""</c> selects them).</param>
    public static string Write(IReadOnlyDictionary<string, PriceEntry> prices, int unpricedModels, IReadOnlyDictionary<(string Model, string Variant), PriceEntry>? variants = null)
    {
        var text = new StringBuilder();
        text.Append("# HELP ").Append(CostRules.PriceMetric).Append(" Price in force now in CostConsole's pricing history, USD per token (cached and cache-write fall back to the input price, 1-hour writes to the cache-write price).\n");
        text.Append("# TYPE ").Append(CostRules.PriceMetric).Append(" gauge\n");
        foreach (var (model, price) in prices)
        {
            foreach (var type in Types)
            {
                text.Append(CostRules.PriceMetric).Append("{model=\"").Append(Escape(model)).Append("\",token_type=\"").Append(CostRules.TokenTypeLabel(type)).Append("\"} ")
                    .Append(CostRules.PerToken(PerMillion(price, type))).Append('\n');
            }
        }

        foreach (var ((model, variant), price) in variants ?? new Dictionary<(string, string), PriceEntry>())
        {
            foreach (var type in Types)
            {
                text.Append(CostRules.PriceMetric).Append("{model=\"").Append(Escape(model)).Append("\",variant=\"").Append(Escape(variant))
                    .Append("\",token_type=\"").Append(CostRules.TokenTypeLabel(type)).Append("\"} ").Append(CostRules.PerToken(PerMillion(price, type))).Append('\n');
            }
        }

        text.Append("# HELP costconsole_priced_models Models with a price in force now.\n# TYPE costconsole_priced_models gauge\n");
        text.Append("costconsole_priced_models ").Append(prices.Count).Append('\n');
        text.Append("# HELP costconsole_unpriced_models Models seen in the ledger with no price in force now.\n# TYPE costconsole_unpriced_models gauge\n");
        text.Append("costconsole_unpriced_models ").Append(unpricedModels).Append('\n');
        return text.ToString();
    }

    /// <summary>A label value in the text format: backslash, double quote and line feed escaped.</summary>
    public static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
