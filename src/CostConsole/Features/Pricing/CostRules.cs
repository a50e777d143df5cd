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
        TokenType.CacheWrite1h => "cache_write_1h",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static string TokenRecord(TokenType type) => $"costconsole:tokens_{TokenTypeLabel(type)}:rate5m";

    /// <summary>
    /// The rules file. <paramref name="prices"/> (model → base entry in force) and <paramref name="variants"/> ((model,
    /// variant) → the variant's prices in force) are used by the inline variant only; the gauge variant joins the
    /// same prices from <c>/metrics</c>.
    /// </summary>
    public static string Write(MetricProfile profile, RuleVariant variant, RuleSettings settings, IReadOnlyDictionary<string, PriceEntry> prices, DateTimeOffset generatedAt,
        IReadOnlyDictionary<(string Model, string Variant), PriceEntry>? variants = null)
    {
        var modelLabels = profile.LabelsOf("model");
        var model = modelLabels.Count > 0
            ? modelLabels[0]
            : throw new InvalidOperationException($"The metric profile {profile.Name} has no model label; cost rules need one.");
        // The served tier, when the profile reads one: token rates keep it, and each tier is priced at its own variant
        // entry where one is in force, else at the base (as the ledger prices it).
        var tierLabels = profile.LabelsOf("variant");
        var tier = tierLabels.FirstOrDefault();
        List<string> by = [.. new[] { profile.LabelsOf("feature").FirstOrDefault(), model, tier }.OfType<string>().Distinct()];
        var byClause = $"by ({string.Join(", ", by.Select(Label))})";
        var types = new[] { TokenType.Input, TokenType.CachedInput, TokenType.CacheWrite, TokenType.CacheWrite1h, TokenType.Output }.Where(profile.Tokens.ContainsKey).ToList();
        var joins = new PriceJoin(model, tier == model ? null : tier);
        variants ??= new Dictionary<(string, string), PriceEntry>();

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

        if (joins.Tier is { } tierLabel)
        {
            yaml.AppendLine($"# Price variants: the {tierLabel} label selects a variant's prices where one is in force; other tiers are priced at the base (CostConsole's pages flag them).");
        }

        yaml.AppendLine("groups:");
        yaml.AppendLine($"  - name: {settings.GroupName}");
        yaml.AppendLine("    rules:");
        List<IReadOnlyList<string>> fallbacks = [modelLabels, .. joins.Tier is null ? Array.Empty<IReadOnlyList<string>>() : [tierLabels]];
        foreach (var type in types)
        {
            Record(yaml, TokenRecord(type), TokenRate(profile.Tokens[type], fallbacks, byClause));
        }

        var terms = types.SelectMany(type => variant == RuleVariant.Gauge
            ? [GaugeTerm(type, joins, profile.InputIncludes)]
            : InlineTerms(type, joins, prices, variants, profile.InputIncludes)).ToList();
        var cost = terms.Count == 0
            ? $"sum {byClause} ({TokenRecord(TokenType.Input)} * 0)"
            : $"sum {byClause} (\n    {string.Join("\n  or\n    ", terms)}\n)";
        Record(yaml, CostRecord, cost);
        Record(yaml, TotalRecord, $"sum({CostRecord})");
        var unpriced = variant == RuleVariant.Gauge
            ? $"sum by ({Label(model)}) ({TokenRecord(TokenType.Input)}) unless on ({Label(model)}) {joins.Base("input")}"
            : prices.Count == 0
                ? $"sum by ({Label(model)}) ({TokenRecord(TokenType.Input)})"
                : $"sum by ({Label(model)}) ({TokenRecord(TokenType.Input)}{{{PromQl.Matcher(new LabelMatcher(model, Alternatives(prices.Keys), "!~"))}}})";
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
    /// The token rate by <paramref name="byClause"/>, summed over every name of the counter. Each dimension in
    /// <paramref name="fallbacks"/> (the model, and the served tier) is read from its first filled label, as the ledger
    /// reads it: series whose first label is empty get the next filled one copied in.
    /// </summary>
    internal static string TokenRate(TokenMetric metric, IReadOnlyList<IReadOnlyList<string>> fallbacks, string byClause)
    {
        var sums = metric.Names.Select(name => $"sum {byClause} ({FallbackRate(name, metric.Matchers, fallbacks)})").ToList();
        // a + b drops what only one side has: (a + b) or a or b keeps it.
        return sums.Skip(1).Aggregate(sums[0], (all, next) => $"(({all}) + ({next})) or ({all}) or ({next})");
    }

    /// <summary>One case of a fallback: the matchers that select it and the label copied into the first one (if any).</summary>
    private sealed record FallbackCase(IReadOnlyList<LabelMatcher> Matchers, string? CopyFrom, string Into);

    private static IEnumerable<FallbackCase> Cases(IReadOnlyList<string> labels)
    {
        if (labels.Count < 2)
        {
            yield return new FallbackCase([], null, labels.FirstOrDefault() ?? "");
            yield break;
        }

        for (var i = 0; i < labels.Count; i++)
        {
            yield return new FallbackCase([.. labels.Take(i).Select(l => LabelMatcher.Equal(l, "")), LabelMatcher.NotEqual(labels[i], "")], i == 0 ? null : labels[i], labels[0]);
        }

        yield return new FallbackCase([.. labels.Select(l => LabelMatcher.Equal(l, ""))], null, labels[0]);
    }

    private static string FallbackRate(string name, IReadOnlyDictionary<string, string> matchers, IReadOnlyList<IReadOnlyList<string>> fallbacks)
    {
        List<LabelMatcher> fixedMatchers = [.. matchers.Select(m => LabelMatcher.Equal(m.Key, m.Value))];
        // Every combination of the dimensions' cases: one selector each, so no series is read twice.
        IEnumerable<IReadOnlyList<FallbackCase>> combinations = [[]];
        foreach (var labels in fallbacks)
        {
            var cases = Cases(labels).ToList();
            combinations = combinations.SelectMany(chosen => cases.Select(c => (IReadOnlyList<FallbackCase>)[.. chosen, c])).ToList();
        }

        return string.Join(" or ", combinations.Select(chosen =>
        {
            var rate = $"rate({PromQl.Selector(name, fixedMatchers.Concat(chosen.SelectMany(c => c.Matchers)))}[{Window}])";
            return chosen.Where(c => c.CopyFrom is not null)
                .Aggregate(rate, (expr, c) => $"label_replace({expr}, {PromQl.Quote(c.Into)}, \"$1\", {PromQl.Quote(c.CopyFrom!)}, \"(.+)\")");
        }));
    }

    /// <summary>
    /// The price a token type adds per token: cached and cache-write tokens that are a subset of input add only their
    /// difference to the input price, and 1-hour writes (a subset of the writes) their difference to the write price.
    /// </summary>
    private static (string Type, TokenType? Minus) PriceOf(TokenType type, CacheInclusion inputIncludes) => type switch
    {
        TokenType.CachedInput when inputIncludes.Reads => ("cached_input", TokenType.Input),
        TokenType.CacheWrite when inputIncludes.Writes => ("cache_write", TokenType.Input),
        TokenType.CacheWrite1h => ("cache_write_1h", TokenType.CacheWrite),
        _ => (TokenTypeLabel(type), null),
    };

    /// <summary>
    /// tokens × gauge price. With a tier label, the variant's gauge (joined on model and tier) prices the tiers that have
    /// one, and the base gauge the rest: <c>or</c> keeps the variant-priced series and adds only the others.
    /// </summary>
    private static string GaugeTerm(TokenType type, PriceJoin joins, CacheInclusion inputIncludes)
    {
        var (typeLabel, minus) = PriceOf(type, inputIncludes);
        string Priced(string on, Func<string, string> gauge)
        {
            var price = minus is { } other ? $"({gauge(typeLabel)} - on ({on}) {gauge(TokenTypeLabel(other))})" : gauge(typeLabel);
            return $"{TokenRecord(type)} * on ({on}) group_left () {price}";
        }

        var product = Priced(Label(joins.Model), joins.Base);
        if (joins.Tier is { } tier)
        {
            product = $"({Priced($"{Label(joins.Model)}, {Label(tier)}", joins.Variant)}) or ({product})";
        }

        return $"label_replace({product}, \"token_type\", \"{TokenTypeLabel(type)}\", \"\", \"\")";
    }

    /// <summary>One term per priced model (and per variant in force, with the tier selected; the base term then leaves those tiers out).</summary>
    private static IEnumerable<string> InlineTerms(TokenType type, PriceJoin joins, IReadOnlyDictionary<string, PriceEntry> prices,
        IReadOnlyDictionary<(string Model, string Variant), PriceEntry> variants, CacheInclusion inputIncludes)
    {
        var (_, minus) = PriceOf(type, inputIncludes);
        var typeLabel = TokenTypeLabel(type);
        string Term(PriceEntry entry, IEnumerable<LabelMatcher> matchers)
        {
            var perMillion = PriceMetrics.PerMillion(entry, type) - (minus is { } other ? PriceMetrics.PerMillion(entry, other) : 0m);
            var selector = $"{TokenRecord(type)}{{{string.Join(",", matchers.Select(PromQl.Matcher))}}}";
            return $"label_replace({selector} * {PerToken(perMillion)}, \"token_type\", \"{typeLabel}\", \"\", \"\")";
        }

        var tiered = joins.Tier is null ? [] : variants.Where(v => !PriceEntry.BaseVariants.Contains(v.Key.Variant)).ToList();
        foreach (var (modelValue, entry) in prices.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var own = tiered.Where(v => v.Key.Model == modelValue).Select(v => v.Key.Variant).ToList();
            var exceptTiers = own.Count == 0 ? [] : new[] { new LabelMatcher(joins.Tier!, Alternatives(own), "!~") };
            yield return Term(entry, [LabelMatcher.Equal(joins.Model, modelValue), .. exceptTiers]);
        }

        foreach (var ((modelValue, tierValue), entry) in tiered.OrderBy(v => v.Key.Model, StringComparer.Ordinal).ThenBy(v => v.Key.Variant, StringComparer.Ordinal))
        {
            yield return Term(entry, [LabelMatcher.Equal(joins.Model, modelValue), LabelMatcher.Equal(joins.Tier!, tierValue)]);
        }
    }

    /// <summary>A regex matching exactly the given values (each escaped).</summary>
    private static string Alternatives(IEnumerable<string> values) => string.Join("|", values.Order(StringComparer.Ordinal).Select(PromQl.EscapeRegex));

    /// <summary>The price gauge as the rules join it: by model (and tier), with the names moved onto the profile's labels.</summary>
    private sealed record PriceJoin(string Model, string? Tier)
    {
        /// <summary>The base price of one token type: <c>variant=""</c> selects it (variant series carry the label).</summary>
        public string Base(string tokenType) => ToModel($"max by (model) ({PriceMetric}{{token_type=\"{tokenType}\",variant=\"\"}})");

        /// <summary>The variants' prices of one token type, with the variant copied into the tier label.</summary>
        public string Variant(string tokenType)
        {
            var gauge = ToModel($"max by (model, variant) ({PriceMetric}{{token_type=\"{tokenType}\",variant!=\"\"}})");
            return Tier == "variant" ? gauge : $"label_replace({gauge}, {PromQl.Quote(Tier!)}, \"$1\", \"variant\", \"(.*)\")";
        }

        private string ToModel(string gauge) => Model == "model" ? gauge : $"label_replace({gauge}, {PromQl.Quote(Model)}, \"$1\", \"model\", \"(.*)\")";
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
