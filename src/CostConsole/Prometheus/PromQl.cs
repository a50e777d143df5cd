using System.Globalization;
using System.Text;

namespace CostConsole.Prometheus;

/// <summary>A label matcher: <c>name op "value"</c>. The value is always escaped when written.</summary>
public sealed record LabelMatcher(string Name, string Value, string Operator = "=")
{
    public static LabelMatcher Equal(string name, string value) => new(name, value, "=");
    public static LabelMatcher NotEqual(string name, string value) => new(name, value, "!=");
    public static LabelMatcher Regex(string name, string pattern) => new(name, pattern, "=~");
}

/// <summary>
/// Writes PromQL selectors. Nothing a user typed is ever pasted into a query raw: label values are escaped as
/// PromQL string literals, and metric or label names that are not classic identifiers (Prometheus 3 allows
/// dotted UTF-8 names) are written in quoted form.
/// </summary>
public static class PromQl
{
    private static readonly HashSet<string> ValidOperators = ["=", "!=", "=~", "!~"];

    /// <summary>A selector such as <c>metric{a="b"}</c>, or <c>{"dotted.name", a="b"}</c> for a UTF-8 name.</summary>
    public static string Selector(string metricName, params IEnumerable<LabelMatcher> matchers)
    {
        ArgumentException.ThrowIfNullOrEmpty(metricName);
        var parts = matchers.Select(Matcher).ToList();
        if (IsClassicMetricName(metricName))
        {
            return parts.Count == 0 ? metricName : $"{metricName}{{{string.Join(",", parts)}}}";
        }

        parts.Insert(0, Quote(metricName));
        return $"{{{string.Join(",", parts)}}}";
    }

    /// <summary>A selector with matchers only (for example for <c>/api/v1/series</c>).</summary>
    public static string MatchersOnly(params IEnumerable<LabelMatcher> matchers)
    {
        var parts = matchers.Select(Matcher).ToList();
        if (parts.Count == 0)
        {
            throw new ArgumentException("At least one matcher is needed.", nameof(matchers));
        }

        return $"{{{string.Join(",", parts)}}}";
    }

    public static string Matcher(LabelMatcher matcher)
    {
        ArgumentException.ThrowIfNullOrEmpty(matcher.Name);
        if (!ValidOperators.Contains(matcher.Operator))
        {
            throw new ArgumentException($"'{matcher.Operator}' is not a PromQL matcher operator.", nameof(matcher));
        }

        var name = IsClassicLabelName(matcher.Name) ? matcher.Name : Quote(matcher.Name);
        return $"{name}{matcher.Operator}{Quote(matcher.Value)}";
    }

    /// <summary>A PromQL double-quoted string literal holding exactly <paramref name="value"/>.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    // U+2028 and U+2029 end a line in YAML (the rules file): escaped like control characters.
                    if (char.IsControl(c) || c is '\u2028' or '\u2029')
                    {
                        // Go's string unquoting (which PromQL uses) reads \u escapes.
                        sb.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Escapes a literal string for use inside a regex matcher (RE2 syntax).</summary>
    public static string EscapeRegex(string literal)
    {
        var sb = new StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (@"\.+*?()|[]{}^$".Contains(c))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    public static bool IsClassicMetricName(string name) =>
        name.Length > 0 && IsNameStart(name[0], allowColon: true) && name.Skip(1).All(c => IsNameStart(c, allowColon: true) || char.IsAsciiDigit(c));

    public static bool IsClassicLabelName(string name) =>
        name.Length > 0 && IsNameStart(name[0], allowColon: false) && name.Skip(1).All(c => IsNameStart(c, allowColon: false) || char.IsAsciiDigit(c));

    private static bool IsNameStart(char c, bool allowColon) => char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':');

    /// <summary>A duration in PromQL syntax, in whole seconds (for example <c>3600s</c>).</summary>
    public static string Duration(TimeSpan span)
    {
        if (span <= TimeSpan.Zero || span.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(span), span, "A PromQL duration here is a positive whole number of seconds.");
        }

        return ((long)span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
    }
}
