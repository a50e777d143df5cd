using System.Globalization;
using System.Text.RegularExpressions;

namespace CostConsole.Core.Pricing;

/// <summary>
/// How an alert's value and text are shown. Prometheus reports <c>$value</c> as a bare float in Go's notation
/// ("1.723195701728395e+02"); the exported rules say its unit in a <c>value_unit</c> annotation. The annotations of an
/// inactive rule are its templates, unrendered ("${{ $value | printf "%.2f" }} per day"), which must never reach a page.
/// </summary>
public static partial class AlertUnits
{
    public const string Annotation = "value_unit";
    public const string ConditionAnnotation = "condition";
    public const string UsdPerDay = "usd_per_day";
    public const string UsdPerSecond = "usd_per_second";
    public const string TokensPerSecond = "tokens_per_second";

    /// <summary>The value in words with its unit; a value of a rule with no known unit as a plain number. Null stays null.</summary>
    public static string? Format(string? value, string? unit)
    {
        if (value is null) return null;
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return value; // NaN, +Inf and the like are Prometheus' own words.
        }

        if (double.IsNaN(number) || double.IsInfinity(number)) return value;
        var amount = (decimal)number;
        return unit switch
        {
            UsdPerDay => $"{Money(amount)} per day",
            UsdPerSecond => $"{Money(amount * 3600m)} per hour",
            TokensPerSecond => $"{Plain(amount)} tokens/s",
            _ => Plain(amount),
        };
    }

    /// <summary>
    /// The text to show for an alert: its rendered summary when active; for an inactive rule the plain
    /// <c>condition</c>, else the summary or description with no template left in it.
    /// </summary>
    public static string Text(bool active, IReadOnlyDictionary<string, string> alertAnnotations, IReadOnlyDictionary<string, string> ruleAnnotations)
    {
        if (active && alertAnnotations.GetValueOrDefault("summary") is { Length: > 0 } rendered && !HasTemplate(rendered))
        {
            return rendered;
        }

        if (ruleAnnotations.GetValueOrDefault(ConditionAnnotation) is { Length: > 0 } condition && !HasTemplate(condition))
        {
            return condition;
        }

        foreach (var key in (string[])["summary", "description"])
        {
            if (ruleAnnotations.GetValueOrDefault(key) is { Length: > 0 } text && !HasTemplate(text))
            {
                return text;
            }
        }

        // Only templated text: keep its words and mark where a value would go.
        var summary = ruleAnnotations.GetValueOrDefault("summary") ?? "";
        return Template().Replace(summary, "…").Trim();
    }

    public static bool HasTemplate(string text) => text.Contains("{{", StringComparison.Ordinal);

    private static string Money(decimal usd) => Spend.SpendFormat.Money(usd);

    private static string Plain(decimal amount) =>
        Math.Abs(amount) >= 100m ? amount.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(amount) >= 1m ? amount.ToString("N2", CultureInfo.InvariantCulture)
        : amount.ToString("0.####", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\$?\{\{.*?\}\}")]
    private static partial Regex Template();
}
