using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace CostConsole.Features.Spend;

/// <summary>
/// Everything an explorer view is, read from and written to its URL, so a view can be shared and bookmarked:
/// <c>/explore?range=last7&amp;tz=Europe/Berlin&amp;by=feature,model&amp;model=gpt-4o&amp;sort=cost&amp;dir=desc</c>.
/// </summary>
public sealed record ExplorerState(
    string Range,
    DateOnly? From,
    DateOnly? To,
    string Zone,
    string Level1,
    string? Level2,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Filters,
    string Sort,
    bool Descending)
{
    public static IReadOnlyList<string> SortKeys { get; } = ["key", "input", "cached", "cacheWrite", "output", "requests", "cost", "share", "per1k", "savings"];

    /// <summary>Reads a query string; anything unknown falls back to a default and is reported, never thrown.</summary>
    public static (ExplorerState State, IReadOnlyList<string> Problems) Parse(string query, string defaultZone, IReadOnlyList<string>? extras = null, string defaultCurrency = "USD")
    {
        var q = QueryHelpers.ParseQuery(query);
        IReadOnlyList<string> dimensions = [.. SpendDimension.All, .. extras ?? []];
        List<string> problems = [];
        string One(string name) => q.TryGetValue(name, out var v) ? v.ToString() : "";

        var range = One("range") is { Length: > 0 } r ? r : SpendPeriods.ThisMonth;
        if (!SpendPeriods.Presets.Any(p => p.Id == range))
        {
            problems.Add($"Unknown range '{Echo.Printable(range)}'; showing this month.");
            range = SpendPeriods.ThisMonth;
        }

        DateOnly? Date(string name)
        {
            var text = One(name);
            if (text.Length == 0) return null;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
            problems.Add($"'{name}' ('{Echo.Printable(text)}') is not a date such as 2026-11-01.");
            return null;
        }

        var from = Date("from");
        var to = Date("to");
        var zone = One("tz") is { Length: > 0 } z ? z : defaultZone;
        if (SpendPeriods.FindZone(zone) is null)
        {
            problems.Add($"Unknown time zone '{Echo.Printable(zone)}'; showing {defaultZone}.");
            zone = defaultZone;
        }

        var by = One("by").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var level1 = by.Length > 0 ? by[0] : SpendDimension.Feature;
        var level2 = by.Length > 1 ? by[1] : null;
        if (!dimensions.Contains(level1))
        {
            problems.Add($"Cannot group by '{Echo.Printable(level1)}'; grouping by feature.");
            level1 = SpendDimension.Feature;
        }

        if (level2 is not null && (!dimensions.Contains(level2) || level2 == level1))
        {
            problems.Add($"Cannot group by '{Echo.Printable(level2)}' as the second level; showing one level.");
            level2 = null;
        }

        var filters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var dimension in dimensions)
        {
            if (q.TryGetValue(dimension, out var values))
            {
                var clean = values.Where(v => v is not null && v.Length <= DimensionGuard.MaxStoredLength && !v.Any(char.IsControl)).Select(v => v!).Distinct(StringComparer.Ordinal).ToList();
                if (clean.Count < values.Count) problems.Add($"A {dimension} filter value was too long or held control characters and was left out.");
                if (clean.Count > 0) filters[dimension] = clean;
            }
        }

        var sort = One("sort") is { Length: > 0 } s && SortKeys.Contains(s) ? s : "cost";
        var descending = One("dir") != "asc";
        var page = 1;
        if (One("page") is { Length: > 0 } pageText && (!int.TryParse(pageText, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            problems.Add($"'page' ('{Echo.Printable(pageText)}') is not a page number; showing the first page.");
            page = 1;
        }

        var currency = One("cur").Trim().ToUpperInvariant() is { Length: > 0 } c ? c : defaultCurrency;
        if (!Currencies.IsIso4217(currency))
        {
            problems.Add($"'{Echo.Printable(One("cur"))}' is not an ISO 4217 currency code; showing {defaultCurrency}.");
            currency = defaultCurrency;
        }

        return (new ExplorerState(range, from, to, zone, level1, level2, filters, sort, descending) { Extras = extras ?? [], Page = page, Currency = currency, DefaultCurrency = defaultCurrency }, problems);
    }

    public static ExplorerState Default(string zone) => Parse("", zone).State;

    public IReadOnlyList<string> GroupBy => Level2 is null ? [Level1] : [Level1, Level2];

    /// <summary>Which page of the table (1 first); any other change to the view starts again at the first.</summary>
    public int Page { get; init; } = 1;

    /// <summary>The currency money is shown in (each UTC day's cost at that day's rate); in the URL as cur= when not the default.</summary>
    public string Currency { get; init; } = Currencies.Billing;

    public string DefaultCurrency { get; init; } = Currencies.Billing;

    /// <summary>The profile's extra dimensions, grouped and filtered by like the others.</summary>
    public IReadOnlyList<string> Extras { get; init; } = [];

    /// <summary>Every dimension this view can group or filter by.</summary>
    public IReadOnlyList<string> Dimensions => [.. SpendDimension.All, .. Extras];

    /// <summary>The query string of this view, keys in a fixed order so equal views have equal URLs.</summary>
    public string ToQuery()
    {
        List<KeyValuePair<string, string?>> parts = [new("range", Range)];
        if (Range == SpendPeriods.Custom)
        {
            if (From is { } f) parts.Add(new("from", f.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
            if (To is { } t) parts.Add(new("to", t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        }

        parts.Add(new("tz", Zone));
        parts.Add(new("by", string.Join(',', GroupBy)));
        foreach (var dimension in Dimensions)
        {
            foreach (var value in Filters.GetValueOrDefault(dimension) ?? [])
            {
                parts.Add(new(dimension, value));
            }
        }

        if (Sort != "cost" || !Descending)
        {
            parts.Add(new("sort", Sort));
            parts.Add(new("dir", Descending ? "desc" : "asc"));
        }

        if (Page > 1) parts.Add(new("page", Page.ToString(CultureInfo.InvariantCulture)));
        if (Currency != DefaultCurrency) parts.Add(new("cur", Currency));

        return QueryString.Create(parts).ToString();
    }

    public ExplorerState WithFilter(string dimension, IReadOnlyList<string> values)
    {
        var filters = Filters.Where(f => f.Key != dimension).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        if (values.Count > 0) filters[dimension] = values;
        return this with { Filters = filters };
    }

    /// <summary>
    /// Narrows to a row (or chart segment): its keys become filters and the view groups by the next dimension not
    /// yet narrowed, in the order feature, model, team, provider, operation, outcome.
    /// </summary>
    public ExplorerState DrillInto(IReadOnlyList<string> keys)
    {
        var next = this;
        for (var i = 0; i < keys.Count && i < GroupBy.Count; i++)
        {
            next = next.WithFilter(GroupBy[i], [keys[i]]);
        }

        var remaining = Dimensions.Where(d => !next.Filters.ContainsKey(d)).ToList();
        return remaining.Count == 0 ? next : next with { Level1 = remaining[0], Level2 = null };
    }
}
