using System.Globalization;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Pricing;

/// <summary>The settings of one rules export, as the query string gives them (empty: the configured default).</summary>
public sealed record RuleQuery(string? Variant, string? DailyBudget, string? SpikeFactor, string? SpikeFloor, string? Group);

/// <summary>Builds the rules file from the query string (variant, budget, spike settings) and the prices in force.</summary>
public sealed class RulesExport(PriceStore prices, PriceEditor editor, IOptions<PrometheusOptions> prometheus, IOptions<RuleOptions> rules, TimeProvider time)
{
    public RuleSettings Defaults => rules.Value.ToSettings();

    /// <summary>The rules file for settings given as text (the API's query string); a problem names each bad value.</summary>
    public async Task<(string? Yaml, string? Problem)> ExportAsync(RuleQuery query, CancellationToken cancellationToken = default)
    {
        var variantText = query.Variant ?? "";
        if (!TryVariant(variantText, out var variant)) return (null, $"variant must be gauge or inline (was '{Echo.Printable(variantText)}').");
        var defaults = Defaults;
        List<string> problems = [];
        decimal Number(string name, string? text, decimal fallback)
        {
            if (string.IsNullOrEmpty(text)) return fallback;
            if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)) return value;
            problems.Add($"{name} '{Echo.Printable(text)}' is not a number.");
            return fallback;
        }

        var settings = new RuleSettings(
            Number("dailyBudget", query.DailyBudget, defaults.DailyBudgetUsd),
            Number("spikeFactor", query.SpikeFactor, defaults.SpikeFactor),
            Number("spikeFloor", query.SpikeFloor, defaults.SpikeFloorUsdPerHour),
            query.Group is { Length: > 0 } group ? group : defaults.GroupName);
        problems.AddRange(settings.Problems());
        if (problems.Count > 0) return (null, string.Join(" ", problems));
        return (await ExportAsync(variant, settings, cancellationToken), null);
    }

    public async Task<string> ExportAsync(RuleVariant variant, RuleSettings settings, CancellationToken cancellationToken = default)
    {
        var book = await prices.LoadAsync(cancellationToken);
        var seen = (await editor.SeenModelsAsync(cancellationToken)).Select(m => m.Model).ToList();
        var now = time.GetUtcNow();
        return CostRules.Write(prometheus.Value.ActiveProfile(), variant, settings, PriceMetrics.InForce(book, seen, now), now, PriceMetrics.VariantsInForce(book, seen, now));
    }

    public static bool TryVariant(string text, out RuleVariant variant)
    {
        variant = text is "" or "gauge" ? RuleVariant.Gauge : RuleVariant.Inline;
        return text is "" or "gauge" or "inline";
    }
}
