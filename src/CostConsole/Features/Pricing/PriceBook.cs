using System.Text.RegularExpressions;

namespace CostConsole.Features.Pricing;

/// <summary>
/// One price entry: USD per 1M tokens for a model (an exact id, or <c>re:&lt;regex&gt;</c>), in force from an hour (UTC)
/// until the next entry for the same model. A null cached or cache-write price means "not billed separately":
/// those tokens cost the input price.
/// </summary>
public sealed record PriceEntry(
    string Model,
    DateTimeOffset EffectiveFrom,
    decimal InputPerMTok,
    decimal OutputPerMTok,
    decimal? CachedInputPerMTok = null,
    decimal? CacheWritePerMTok = null)
{
    public const string PatternPrefix = "re:";

    public bool IsPattern => Model.StartsWith(PatternPrefix, StringComparison.Ordinal);

    public string Pattern => IsPattern ? Model[PatternPrefix.Length..] : Model;
}

/// <summary>Token counts of one kind of usage. Cached and cache-write tokens are a subset of input when the profile says so.</summary>
public readonly record struct TokenCounts(long Input, long CachedInput, long CacheWrite, long Output)
{
    /// <summary>Tokens that are billed, counted once: input (cached included when the profile says so) and output.</summary>
    public long Billable(bool inputIncludesCached) => Input + Output + (inputIncludesCached ? 0 : CachedInput + CacheWrite);

    public static TokenCounts operator +(TokenCounts a, TokenCounts b) =>
        new(a.Input + b.Input, a.CachedInput + b.CachedInput, a.CacheWrite + b.CacheWrite, a.Output + b.Output);
}

/// <summary>Cost of some tokens in one hour: a price was found, or the tokens are unpriced (never a silent $0).</summary>
public readonly record struct HourCost(decimal CostUsd, bool Priced, PriceEntry? Price);

/// <summary>
/// All price entries, answering "which price was in force for this model in this hour". An exact model entry in
/// force beats any pattern; among entries of one kind the latest <see cref="PriceEntry.EffectiveFrom"/> wins.
/// </summary>
public sealed class PriceBook
{
    private readonly Dictionary<string, PriceEntry[]> _exact;
    private readonly (PriceEntry Entry, Regex Regex)[] _patterns;

    public PriceBook(IEnumerable<PriceEntry> entries)
    {
        var all = entries.ToList();
        _exact = all.Where(e => !e.IsPattern)
            .GroupBy(e => e.Model, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.EffectiveFrom).ToArray(), StringComparer.Ordinal);
        _patterns = [.. all.Where(e => e.IsPattern)
            .OrderBy(e => e.EffectiveFrom).ThenBy(e => e.Model, StringComparer.Ordinal)
            .Select(e => (e, new Regex($"^(?:{e.Pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))))];
    }

    public static PriceBook Empty { get; } = new([]);

    /// <summary>Every hour at which some price starts: a day containing one (other than its first hour) mixes prices.</summary>
    public IReadOnlySet<long> ChangeHoursUnix => _changeHours ??= _exact.Values.SelectMany(e => e).Concat(_patterns.Select(p => p.Entry))
        .Select(e => e.EffectiveFrom.ToUnixTimeSeconds()).ToHashSet();

    private HashSet<long>? _changeHours;

    public PriceEntry? PriceAt(string model, DateTimeOffset hour)
    {
        if (_exact.TryGetValue(model, out var entries))
        {
            var exact = Latest(entries, hour);
            if (exact is not null)
            {
                return exact;
            }
        }

        PriceEntry? best = null;
        foreach (var (entry, regex) in _patterns)
        {
            if (entry.EffectiveFrom > hour)
            {
                break;
            }

            if (regex.IsMatch(model))
            {
                best = entry;
            }
        }

        return best;
    }

    private static PriceEntry? Latest(PriceEntry[] ordered, DateTimeOffset hour)
    {
        PriceEntry? found = null;
        foreach (var entry in ordered)
        {
            if (entry.EffectiveFrom > hour)
            {
                break;
            }

            found = entry;
        }

        return found;
    }
}

/// <summary>The cost formula of DESIGN.md, in decimal USD.</summary>
public static class CostFormula
{
    private const decimal PerMillion = 1_000_000m;

    /// <summary>
    /// cost = (input − cached − cache_write) × p_input + cached × p_cached + cache_write × p_cache_write + output × p_output,
    /// where <paramref name="inputIncludesCached"/> says whether the input counter already contains the cached and
    /// cache-write tokens (then they are taken out of the input, else input is billed whole).
    /// </summary>
    public static decimal Cost(TokenCounts tokens, PriceEntry price, bool inputIncludesCached)
    {
        var plainInput = inputIncludesCached ? tokens.Input - tokens.CachedInput - tokens.CacheWrite : tokens.Input;
        var cachedPrice = price.CachedInputPerMTok ?? price.InputPerMTok;
        var cacheWritePrice = price.CacheWritePerMTok ?? price.InputPerMTok;
        return (plainInput * price.InputPerMTok
                + tokens.CachedInput * cachedPrice
                + tokens.CacheWrite * cacheWritePrice
                + tokens.Output * price.OutputPerMTok) / PerMillion;
    }

    public static HourCost CostAt(PriceBook prices, string model, DateTimeOffset hour, TokenCounts tokens, bool inputIncludesCached)
    {
        var price = prices.PriceAt(model, hour);
        return price is null ? new HourCost(0m, false, null) : new HourCost(Cost(tokens, price, inputIncludesCached), true, price);
    }
}
