using System.Globalization;

namespace CostConsole.Core.Spend;

/// <summary>How money, tokens and changes read on every page and export: USD, en-US digits, signs on changes.</summary>
public static class SpendFormat
{
    private static readonly CultureInfo Us = CultureInfo.GetCultureInfo("en-US");

    public static string Money(decimal usd) => usd switch
    {
        0m => "$0.00",
        > 0m and < 0.01m => "<$0.01",
        < 0m and > -0.01m => "−<$0.01",
        _ => (usd < 0 ? "−" : "") + Math.Abs(usd).ToString("C2", Us),
    };

    /// <summary>A row's cost, saying "unpriced" where all its tokens lack a price rather than a bare $0.00.</summary>
    public static string Cost(SpendFigures figures) =>
        figures.CostUsd == 0 && figures.UnpricedTokens > 0 ? "unpriced" : Money(figures.CostUsd) + (figures.UnpricedTokens > 0 ? " + unpriced" : "");

    public static string Money(decimal? usd) => usd is { } value ? Money(value) : "—";

    /// <summary>An amount in a currency with its symbol (€, £, ¥…) or code: USD as <see cref="Money(decimal)"/>.</summary>
    public static string Money(decimal amount, string currency)
    {
        if (currency == Currencies.Billing) return Money(amount);
        var (prefix, decimals) = currency switch
        {
            "EUR" => ("€", 2),
            "GBP" => ("£", 2),
            "JPY" => ("¥", 0),
            "INR" => ("₹", 2),
            "CNY" => ("CN¥", 2),
            "KRW" => ("₩", 0),
            _ => (currency + " ", 2),
        };
        var smallest = decimals == 0 ? 1m : 0.01m;
        if (amount == 0m) return prefix + 0m.ToString(decimals == 0 ? "N0" : "N2", Us);
        if (Math.Abs(amount) < smallest) return (amount < 0 ? "−" : "") + "<" + prefix + smallest.ToString(decimals == 0 ? "N0" : "N2", Us);
        return (amount < 0 ? "−" : "") + prefix + Math.Abs(amount).ToString(decimals == 0 ? "N0" : "N2", Us);
    }

    /// <summary>
    /// A row's cost in a display currency: converted at each day's rate, plus the USD of days with no rate (said, never
    /// converted silently), and "unpriced" as <see cref="Cost(SpendFigures)"/>.
    /// </summary>
    public static string Cost(SpendFigures figures, string currency)
    {
        if (currency == Currencies.Billing) return Cost(figures);
        if (figures.CostUsd == 0 && figures.UnpricedTokens > 0) return "unpriced";
        return Money(figures.Converted, currency)
            + (figures.UnconvertedUsd != 0 ? $" + {Money(figures.UnconvertedUsd)} without a rate" : "")
            + (figures.UnpricedTokens > 0 ? " + unpriced" : "");
    }

    /// <summary>A change in dollars, always signed: "+$12.00", "−$3.40", "$0.00".</summary>
    public static string MoneyChange(decimal usd) => usd > 0 ? "+" + Money(usd) : Money(usd);

    /// <summary>A change in a currency, always signed.</summary>
    public static string MoneyChange(decimal amount, string currency) => amount > 0 ? "+" + Money(amount, currency) : Money(amount, currency);

    public static string Percent(decimal? percent) => percent switch
    {
        null => "new",
        > 0 => "+" + percent.Value.ToString("0.0", Us) + "%",
        < 0 => "−" + Math.Abs(percent.Value).ToString("0.0", Us) + "%",
        _ => "0.0%",
    };

    public static string Share(decimal part, decimal total) => total == 0 ? "—" : (part / total * 100m).ToString("0.0", Us) + "%";

    public static string Tokens(long tokens) => tokens switch
    {
        >= 10_000_000_000 => (tokens / 1_000_000_000d).ToString("0.#", Us) + "B",
        >= 10_000_000 => (tokens / 1_000_000d).ToString("0.#", Us) + "M",
        >= 100_000 => (tokens / 1_000d).ToString("0.#", Us) + "K",
        _ => tokens.ToString("N0", Us),
    };

    public static string Count(long value) => value.ToString("N0", Us);

    /// <summary>A UTC instant in a zone, with the zone named: "2026-11-20 14:00 Europe/Berlin".</summary>
    public static string When(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd HH:mm", Us) + " " + zone.Id;

    public static string Hour(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("HH:mm", Us) + " " + zone.Id;
}
