using System.Text;

namespace CostConsole.Core.Metrics;

/// <summary>
/// How Prometheus 3 names series it receives over OTLP (<c>otlp.translation_strategy</c> in prometheus.yml; the names
/// follow prometheus/otlptranslator and the OpenTelemetry Prometheus compatibility specification).
/// </summary>
public enum OtlpTranslation
{
    /// <summary>The default, and what the OTel Prometheus exporters write: dots become underscores, unit and type suffixes added.</summary>
    UnderscoreEscapingWithSuffixes,

    /// <summary>Dots become underscores; no unit or <c>_total</c> suffix.</summary>
    UnderscoreEscapingWithoutSuffixes,

    /// <summary>Names and labels keep their dots; unit and type suffixes added (<c>gen_ai.client.token.usage.input_total</c>).</summary>
    NoUTF8EscapingWithSuffixes,

    /// <summary>Names and labels exactly as the instrument has them (<c>gen_ai.client.token.usage.input</c>).</summary>
    NoTranslation,
}

public enum OtelKind
{
    Counter,

    /// <summary>The <c>_sum</c> series of an explicit-bucket histogram.</summary>
    HistogramSum,
}

/// <summary>An OpenTelemetry instrument as the application declares it: its name, unit and kind.</summary>
public sealed record OtelInstrument(string Name, string Unit, OtelKind Kind)
{
    /// <summary>The series name Prometheus stores for this instrument under <paramref name="strategy"/>.</summary>
    public string SeriesName(OtlpTranslation strategy)
    {
        var name = OtlpNames.KeepsDots(strategy) ? Name : OtlpNames.Escape(Name);
        if (strategy is OtlpTranslation.UnderscoreEscapingWithSuffixes or OtlpTranslation.NoUTF8EscapingWithSuffixes)
        {
            var unit = OtlpNames.UnitSuffix(Unit);
            if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal)) name += "_" + unit;
            if (Kind == OtelKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
        }

        return Kind == OtelKind.HistogramSum ? name + "_sum" : name;
    }
}

public static class OtlpNames
{
    public static bool KeepsDots(OtlpTranslation strategy) => strategy is OtlpTranslation.NoUTF8EscapingWithSuffixes or OtlpTranslation.NoTranslation;

    /// <summary>A label as stored: its OpenTelemetry attribute name, or that name with every character outside [a-zA-Z0-9_] made '_'.</summary>
    public static string Label(string attribute, OtlpTranslation strategy) => KeepsDots(strategy) ? attribute : Escape(attribute);

    /// <summary>Characters outside [a-zA-Z0-9_:] become '_', and runs of '_' collapse to one.</summary>
    public static string Escape(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            var keep = char.IsAsciiLetterOrDigit(c) || c is ':' or '_';
            var next = keep ? c : '_';
            if (next == '_' && text.Length > 0 && text[^1] == '_') continue;
            text.Append(next);
        }

        return text.ToString();
    }

    /// <summary>
    /// The unit as a name suffix: annotations in braces (<c>{token}</c>) say nothing and are dropped; the units
    /// the specification names are spelt out; any other unit is used as it is (OpenLLMetry's <c>token</c>).
    /// </summary>
    public static string UnitSuffix(string unit)
    {
        if (string.IsNullOrEmpty(unit) || (unit.StartsWith('{') && unit.EndsWith('}'))) return "";
        return unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" => "",
            _ => Escape(unit),
        };
    }
}
