using System.Globalization;
using System.Text;
using CostConsole.Features.Metrics;
using CostConsole.Prometheus;

namespace CostConsole.Features.Pricing;

public enum RuleVariant
{
    /// <summary>Token rates joined with the <c>costconsole_price_usd_per_token</c> gauge scraped from CostConsole.</summary>
    Gauge,
    /// <summary>Prices written into the rules as constants, for a Prometheus that cannot scrape CostConsole.</summary>
    Inline,
}

/// <summary>What the exported alerts compare against.</summary>
public sealed record RuleSettings(decimal DailyBudgetUsd, decimal SpikeFactor = 3m, decimal SpikeFloorUsdPerHour = 1m, string GroupName = CostRules.DefaultGroup)
{
    public const decimal MaxBudget = 100_000_000m;

    public IEnumerable<string> Problems()
    {
        if (DailyBudgetUsd <= 0 || DailyBudgetUsd > MaxBudget) yield return $"dailyBudget must be more than 0 and at most {MaxBudget:N0} USD.";
        if (SpikeFactor <= 1 || SpikeFactor > 1000) yield return "spikeFactor must be more than 1 and at most 1000.";
        if (SpikeFloorUsdPerHour < 0 || SpikeFloorUsdPerHour > MaxBudget) yield return "spikeFloor must be 0 or more USD per hour.";
        if (GroupName.Length is 0 or > 100 || !GroupName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')) yield return "group must be 1–100 letters, digits, '-', '_', '.' or ':'.";
    }
}

/// <summary>
/// Prometheus recording and alerting rules generated from the metric profile and the prices: token rates per
/// feature and model, their cost per second (joined with the price gauge, or with the prices inlined), the total,
/// tokens with no price, a burn-rate alert against a daily budget and a sudden-spike alert. Valid for
/// <c>promtool check rules</c>; expressions are YAML block scalars, so PromQL needs no YAML escaping.
/// </summary>
public static class CostRules
{
    public const string DefaultGroup = "costconsole-cost";
    public const string PriceMetric = "costconsole_price_usd_per_token";
    public const string CostRecord = "costconsole:cost_usd_per_second:rate5m";
    public const string TotalRecord = "costconsole:cost_usd_per_second:total";
    public const string UnpricedRecord = "costconsole:unpriced_tokens_per_second:rate5m";
    public const string BurnAlert = "LLMCostBurnRateOverDailyBudget";
    public const string SpikeAlert = "LLMCostSpike";
    public const string UnpricedAlert = "LLMTokensWithoutPrice";
    private const string Window = "5m";

    public static string TokenTypeLabel(TokenType type) => type switch
    {
        TokenType.Input => "input",
        TokenType.Output => "output",
        TokenType.CachedInput => "cached_input",
        TokenType.CacheWrite => "cache_write",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static string TokenRecord(TokenType type) => $"costconsole:tokens_{TokenTypeLabel(type)}:rate5m";

    /// <summary>The rules file. <paramref name="prices"/> (model → entry in force) is used by the inline variant only.</summary>
    public static string Write(MetricProfile profile, RuleVariant variant, RuleSettings settings, IReadOnlyDictionary<string, PriceEntry> prices, DateTimeOffset generatedAt)
    {
        var modelLabels = profile.LabelsOf("model");
        var model = modelLabels.Count > 0
            ? modelLabels[0]
            : throw new InvalidOperationException($"The metric profile {profile.Name} has no model label; cost rules need one.");
        List<string> by = [.. new[] { profile.LabelsOf("feature").FirstOrDefault(), model }.OfType<string>().Distinct()];
        var byClause = $"by ({string.Join(", ", by.Select(Label))})";
        var types = new[] { TokenType.Input, TokenType.CachedInput, TokenType.CacheWrite, TokenType.Output }.Where(profile.Tokens.ContainsKey).ToList();

        var yaml = new StringBuilder();
        yaml.AppendLine($"# CostConsole cost rules ({(variant == RuleVariant.Gauge ? "prices joined from the costconsole_price_usd_per_token gauge" : "prices inlined as constants")}).");
        yaml.AppendLine($"# Metric profile {profile.Name}; generated {generatedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}. Check with: promtool check rules FILE");
        if (variant == RuleVariant.Gauge)
        {
            yaml.AppendLine($"# Needs Prometheus to scrape CostConsole's /metrics (with an API token); a price edit then reaches these rules at the next scrape.");
        }
        else
        {
            yaml.AppendLine($"# Prices as of the generation time: export again after a price change.");
        }

        yaml.AppendLine("groups:");
        yaml.AppendLine($"  - name: {settings.GroupName}");
        yaml.AppendLine("    rules:");
        foreach (var type in types)
        {
            Record(yaml, TokenRecord(type), TokenRate(profile.Tokens[type], modelLabels, byClause));
        }

        var terms = types.SelectMany(type => variant == RuleVariant.Gauge
            ? [GaugeTerm(type, model, profile.InputIncludes)]
            : prices.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => InlineTerm(type, model, p.Key, p.Value, profile.InputIncludes))).ToList();
        var cost = terms.Count == 0
            ? $"sum {byClause} ({TokenRecord(TokenType.Input)} * 0)"
            : $"sum {byClause} (\n    {string.Join("\n  or\n    ", terms)}\n)";
        Record(yaml, CostRecord, cost);
        Record(yaml, TotalRecord, $"sum({CostRecord})");
        var unpriced = variant == RuleVariant.Gauge
            ? $"sum by ({Label(model)}) ({TokenRecord(TokenType.Input)}) unless on ({Label(model)}) {Price("input", model)}"
            : prices.Count == 0
                ? $"sum by ({Label(model)}) ({TokenRecord(TokenType.Input)})"
                : $"sum by ({Label(model)}) ({TokenRecord(TokenType.Input)}{{{PromQl.Matcher(new LabelMatcher(model, string.Join("|", prices.Keys.Order(StringComparer.Ordinal).Select(PromQl.EscapeRegex)), "!~"))}}})";
        Record(yaml, UnpricedRecord, unpriced);

        var budget = settings.DailyBudgetUsd.ToString(CultureInfo.InvariantCulture);
        var floor = (settings.SpikeFloorUsdPerHour / 3600m).ToString("0.############", CultureInfo.InvariantCulture);
        var factor = settings.SpikeFactor.ToString(CultureInfo.InvariantCulture);
        var dailyBudget = settings.DailyBudgetUsd.ToString("0.00", CultureInfo.InvariantCulture);
        Alert(yaml, BurnAlert, $"{TotalRecord} * 86400 > {budget}", "15m", "warning",
            $"LLM spend is running at ${{{{ $value | printf \"%.2f\" }}}} per day, over the daily budget of ${dailyBudget}.",
            "The cost rate of the last 5 minutes, held for 15 minutes, projects past the daily budget. Open CostConsole's overview to see which feature and model drive it.",
            AlertUnits.UsdPerDay, $"Fires when the cost rate of the last 5 minutes projects past the daily budget of ${dailyBudget} for 15 minutes.");
        Alert(yaml, SpikeAlert, $"{TotalRecord} > {factor} * avg_over_time({TotalRecord}[1d] offset 10m)\nand\n{TotalRecord} > {floor}", "10m", "warning",
            $"LLM spend per second is over {factor} times its average of the past day.",
            $"The total cost rate is ${{{{ $value | printf \"%.4f\" }}}} per second. Spikes under ${settings.SpikeFloorUsdPerHour.ToString("0.00", CultureInfo.InvariantCulture)} per hour are ignored.",
            AlertUnits.UsdPerSecond, $"Fires when the cost rate stays over {factor} times its average of the past day for 10 minutes.");
        Alert(yaml, UnpricedAlert, $"{UnpricedRecord} > 0", "30m", "info",
            "Tokens of {{ $labels." + model + " }} have no price in CostConsole.",
            "Their cost is missing from every figure until an engineer adds a price entry.",
            AlertUnits.TokensPerSecond, "Fires when a model's tokens have had no price for 30 minutes.");
        return yaml.ToString();
    }

    /// <summary>
    /// The token rate by <paramref name="byClause"/>, summed over every name of the counter, with the model read from its
    /// first filled label (as the ledger reads it): series whose first model label is empty get the next one copied in.
    /// </summary>
    internal static string TokenRate(TokenMetric metric, IReadOnlyList<string> modelLabels, string byClause)
    {
        var sums = metric.Names.Select(name => $"sum {byClause} ({FallbackRate(name, metric.Matchers, modelLabels)})").ToList();
        // a + b drops what only one side has: (a + b) or a or b keeps it.
        return sums.Skip(1).Aggregate(sums[0], (all, next) => $"(({all}) + ({next})) or ({all}) or ({next})");
    }

    private static string FallbackRate(string name, IReadOnlyDictionary<string, string> matchers, IReadOnlyList<string> labels)
    {
        List<LabelMatcher> fixedMatchers = [.. matchers.Select(m => LabelMatcher.Equal(m.Key, m.Value))];
        string Rate(IEnumerable<LabelMatcher> extra) => $"rate({PromQl.Selector(name, fixedMatchers.Concat(extra))}[{Window}])";
        if (labels.Count < 2)
        {
            return Rate([]);
        }

        List<string> parts = [];
        for (var i = 0; i < labels.Count; i++)
        {
            var rate = Rate(labels.Take(i).Select(l => LabelMatcher.Equal(l, "")).Append(LabelMatcher.NotEqual(labels[i], "")));
            parts.Add(i == 0 ? rate : $"label_replace({rate}, {PromQl.Quote(labels[0])}, \"$1\", {PromQl.Quote(labels[i])}, \"(.+)\")");
        }

        parts.Add(Rate(labels.Select(l => LabelMatcher.Equal(l, ""))));
        return string.Join(" or ", parts);
    }

    /// <summary>tokens × price, where cached and cache-write tokens (a subset of input when the profile says so) add only their difference to the input price.</summary>
    private static string GaugeTerm(TokenType type, string model, CacheInclusion inputIncludes)
    {
        var typeLabel = TokenTypeLabel(type);
        var price = (type == TokenType.CachedInput && inputIncludes.Reads) || (type == TokenType.CacheWrite && inputIncludes.Writes)
            ? $"({Price(typeLabel, model)} - on ({Label(model)}) {Price("input", model)})"
            : Price(typeLabel, model);
        return $"label_replace({TokenRecord(type)} * on ({Label(model)}) group_left () {price}, \"token_type\", \"{typeLabel}\", \"\", \"\")";
    }

    private static string InlineTerm(TokenType type, string model, string modelValue, PriceEntry entry, CacheInclusion inputIncludes)
    {
        var perMillion = type switch
        {
            TokenType.Input => entry.InputPerMTok,
            TokenType.Output => entry.OutputPerMTok,
            TokenType.CachedInput => entry.EffectiveCachedInput - (inputIncludes.Reads ? entry.InputPerMTok : 0m),
            TokenType.CacheWrite => entry.EffectiveCacheWrite - (inputIncludes.Writes ? entry.InputPerMTok : 0m),
            _ => 0m,
        };
        var typeLabel = TokenTypeLabel(type);
        var selector = $"{TokenRecord(type)}{{{PromQl.Matcher(LabelMatcher.Equal(model, modelValue))}}}";
        return $"label_replace({selector} * {PerToken(perMillion)}, \"token_type\", \"{typeLabel}\", \"\", \"\")";
    }

    /// <summary>The gauge for one token type, by model, with the model copied into the profile's model label.</summary>
    private static string Price(string tokenType, string model)
    {
        // variant="" selects the base prices (variant series carry the label); the rules price every tier at the base.
        var gauge = $"max by (model) ({PriceMetric}{{token_type=\"{tokenType}\",variant=\"\"}})";
        return model == "model" ? gauge : $"label_replace({gauge}, {PromQl.Quote(model)}, \"$1\", \"model\", \"(.*)\")";
    }

    public static string PerToken(decimal perMillion) => (perMillion / 1_000_000m).ToString("0.############", CultureInfo.InvariantCulture);

    private static string Label(string name) => PromQl.IsClassicLabelName(name) ? name : PromQl.Quote(name);

    private static void Record(StringBuilder yaml, string name, string expr)
    {
        yaml.AppendLine($"      - record: {name}");
        Expr(yaml, expr);
    }

    /// <summary>
    /// One alerting rule. Besides summary and description (templates Prometheus fills in for an active alert) it carries
    /// <c>value_unit</c>, so a reader can show $value with its unit, and <c>condition</c>, plain words for the rule while
    /// it is inactive (an inactive rule's annotations are its unrendered templates).
    /// </summary>
    private static void Alert(StringBuilder yaml, string name, string expr, string forDuration, string severity, string summary, string description, string unit, string condition)
    {
        yaml.AppendLine($"      - alert: {name}");
        Expr(yaml, expr);
        yaml.AppendLine($"        for: {forDuration}");
        yaml.AppendLine("        labels:");
        yaml.AppendLine($"          severity: {severity}");
        yaml.AppendLine("          source: costconsole");
        yaml.AppendLine("        annotations:");
        yaml.AppendLine($"          summary: {YamlString(summary)}");
        yaml.AppendLine($"          description: {YamlString(description)}");
        yaml.AppendLine($"          {AlertUnits.Annotation}: {unit}");
        yaml.AppendLine($"          {AlertUnits.ConditionAnnotation}: {YamlString(condition)}");
    }

    private static void Expr(StringBuilder yaml, string expr)
    {
        yaml.AppendLine("        expr: |-");
        foreach (var line in expr.Split('\n'))
        {
            yaml.Append("          ").AppendLine(line);
        }
    }

    /// <summary>A YAML double-quoted scalar: backslashes and quotes escaped, and every character YAML takes for a line break (or that is a control character) as an escape.</summary>
    private static string YamlString(string text)
    {
        var yaml = new StringBuilder("\"");
        foreach (var c in text)
        {
            yaml.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\u0085' => "\\N",
                '\u2028' => "\\L",
                '\u2029' => "\\P",
                _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return yaml.Append('"').ToString();
    }
}
