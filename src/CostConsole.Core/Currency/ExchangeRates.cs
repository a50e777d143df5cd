using System.Globalization;

namespace CostConsole.Core.Currency;

/// <summary>One effective-dated rate: units of a currency per 1 USD (the billing currency), in force from a UTC day until the next.</summary>
public sealed record ExchangeRate(string Currency, DateOnly Day, decimal UnitsPerUsd);

/// <summary>
/// Effective-dated exchange rates: a day's cost is converted at the rate in force that day (the latest on or before
/// it, as reference rates are published on business days only). A day before a currency's first rate has none, and
/// says so: nothing is ever shown in USD as if converted.
/// </summary>
public sealed class ExchangeRates
{
    private readonly Dictionary<string, (int[] Days, ExchangeRate[] Rates)> _byCurrency;

    public ExchangeRates(IEnumerable<ExchangeRate> rates)
    {
        _byCurrency = rates.GroupBy(r => r.Currency, StringComparer.Ordinal).ToDictionary(g => g.Key, g =>
        {
            var ordered = g.OrderBy(r => r.Day).ToArray();
            return (ordered.Select(r => r.Day.DayNumber).ToArray(), ordered);
        }, StringComparer.Ordinal);
    }

    public static ExchangeRates None { get; } = new([]);

    public IReadOnlyCollection<string> Currencies => _byCurrency.Keys;

    /// <summary>The rate in force on <paramref name="day"/>, or null (USD is always 1).</summary>
    public ExchangeRate? On(string currency, DateOnly day)
    {
        if (currency == Core.Currencies.Billing) return new ExchangeRate(currency, day, 1m);
        if (!_byCurrency.TryGetValue(currency, out var rates)) return null;
        var index = Array.BinarySearch(rates.Days, day.DayNumber);
        if (index < 0) index = ~index - 1;
        return index >= 0 ? rates.Rates[index] : null;
    }
}

/// <summary>
/// The ECB's euro foreign exchange reference rates, as its historical file <c>eurofxref-hist.csv</c> is published: a
/// header <c>Date,USD,JPY,…</c> and one row per business day (newest first), each rate in units of the currency per 1 EUR,
/// <c>N/A</c> where a currency had none that day (the file also ends each row with an empty column). Converted here
/// to units per 1 USD: a currency's rate divided by the USD rate of the same day; EUR is 1 / the USD rate.
/// </summary>
public static class EcbRates
{
    public static (IReadOnlyList<ExchangeRate> Rates, IReadOnlyList<string> Problems) Parse(IReadOnlyList<(int Line, string[] Fields)> rows, DateTimeOffset now)
    {
        if (rows.Count == 0) return ([], ["the file is empty: the ECB file starts with its header Date,USD,JPY,…"]);
        var header = rows[0].Fields.Select(f => f.Trim()).ToArray();
        if (header.Length < 2 || header[0] != "Date") return ([], ["line 1: the first column must be Date (the format of the ECB's eurofxref-hist.csv)"]);
        var usd = Array.IndexOf(header, "USD");
        if (usd < 0) return ([], ["line 1: there is no USD column: rates per USD cannot be derived"]);
        List<string> problems = [];
        foreach (var (column, i) in header.Select((c, i) => (c, i)).Skip(1).Where(c => c.c.Length > 0 && !Core.Currencies.IsIso4217(c.c)))
        {
            problems.Add($"line 1: column {i + 1} '{Echo.Printable(column)}' is not an ISO 4217 currency code");
        }

        List<ExchangeRate> rates = [];
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        foreach (var (line, fields) in rows.Skip(1))
        {
            if (fields.All(f => f.Trim().Length == 0)) continue;
            if (!DateOnly.TryParseExact(fields[0].Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                problems.Add($"line {line}: Date '{Echo.Printable(fields[0])}' is not a day such as 2026-11-02");
                continue;
            }

            if (day > today)
            {
                problems.Add($"line {line}: {day:yyyy-MM-dd} is after today");
                continue;
            }

            decimal? Rate(int i)
            {
                var text = i < fields.Length ? fields[i].Trim() : "";
                if (text is "" or "N/A") return null;
                if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0) return value;
                problems.Add($"line {line}: {header[i]} '{Echo.Printable(text)}' is not a positive number");
                return null;
            }

            if (Rate(usd) is not { } usdPerEur) continue;
            rates.Add(new ExchangeRate("EUR", day, Round(1m / usdPerEur)));
            for (var i = 1; i < header.Length; i++)
            {
                if (i == usd || header[i].Length == 0 || !Core.Currencies.IsIso4217(header[i])) continue;
                if (Rate(i) is { } perEur) rates.Add(new ExchangeRate(header[i], day, Round(perEur / usdPerEur)));
            }

            if (problems.Count > 100) break;
        }

        if (problems.Count == 0 && rates.Count == 0) problems.Add("the file has no day with a USD rate");
        return problems.Count > 0 ? ([], problems) : (rates, []);
    }

    /// <summary>Units per USD to 10 significant places' worth: enough for any amount CostConsole shows.</summary>
    private static decimal Round(decimal value) => decimal.Round(value, 10);
}
