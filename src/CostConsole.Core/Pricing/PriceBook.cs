using System.Text.RegularExpressions;

namespace CostConsole.Core.Pricing;

/// <summary>
/// One price entry: USD per 1M tokens for a model (an exact id, or <c>re:&lt;regex&gt;</c>), in force from an hour (UTC)
/// until the next entry for the same model. A null cached or cache-write price means "not billed separately":
/// those tokens cost the input price. A retirement ends the model's (or pattern's) price from its hour on: after it
/// the model is priced as if it had no entry of its own (a pattern may still cover it), else its tokens are unpriced.
/// </summary>
public sealed record PriceEntry(
    string Model,
    DateTimeOffset EffectiveFrom,
    decimal InputPerMTok,
    decimal OutputPerMTok,
    decimal? CachedInputPerMTok = null,
    decimal? CacheWritePerMTok = null,
    bool Retired = false)
{
    public static PriceEntry Retirement(string model, DateTimeOffset from) => new(model, from, 0m, 0m, Retired: true);

    /// <summary>The price of each token type as billed: cached and cache-write fall back to the input price.</summary>
    public decimal EffectiveCachedInput => CachedInputPerMTok ?? InputPerMTok;

    public decimal EffectiveCacheWrite => CacheWritePerMTok ?? InputPerMTok;

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
    private readonly (Regex Regex, PriceEntry[] Entries)[] _patterns;

    public PriceBook(IEnumerable<PriceEntry> entries)
    {
        Entries = [.. entries.OrderBy(e => e.Model, StringComparer.Ordinal).ThenBy(e => e.EffectiveFrom)];
        _exact = Entries.Where(e => !e.IsPattern)
            .GroupBy(e => e.Model, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _patterns = [.. Entries.Where(e => e.IsPattern)
            .GroupBy(e => e.Model, StringComparer.Ordinal)
            .Select(g => (Compile(g.First().Pattern), g.ToArray()))];
    }

    /// <summary>
    /// A pattern, compiled so that no model name can stall a spend view: .NET's non-backtracking engine runs in time
    /// linear in the name; a pattern it cannot take (backreferences, lookarounds) backtracks with a 100 ms timeout.
    /// </summary>
    private static Regex Compile(string pattern)
    {
        try
        {
            return new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            return new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant, MatchTimeout);
        }
    }

    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Patterns that timed out on a model, with the model: such a pattern is not applied to it (its tokens show as
    /// unpriced, never a stalled view) and the prices page says so. Process-wide: every book built meets the same names.
    /// </summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<(string Pattern, string Model), DateTimeOffset> TimedOut { get; } = new();

    // One answer per pattern and model: a view asks the same question for every hour.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Pattern, string Model), bool> _matches = new();

    private bool Matches(int index, string model) => _matches.GetOrAdd((index, model), key =>
    {
        var (regex, entries) = _patterns[key.Pattern];
        try
        {
            return regex.IsMatch(key.Model);
        }
        catch (RegexMatchTimeoutException)
        {
            TimedOut[(entries[0].Model, key.Model)] = DateTimeOffset.UtcNow;
            return false;
        }
    });

    public static PriceBook Empty { get; } = new([]);

    /// <summary>Every entry, by model and then effective hour.</summary>
    public IReadOnlyList<PriceEntry> Entries { get; }

    /// <summary>Every hour at which some price starts: a day containing one (other than its first hour) mixes prices.</summary>
    public IReadOnlySet<long> ChangeHoursUnix => _changeHours ??= Entries.Select(e => e.EffectiveFrom.ToUnixTimeSeconds()).ToHashSet();

    private HashSet<long>? _changeHours;

    /// <summary>
    /// The entry in force for the model in the hour: its own latest entry unless that is a retirement, else the
    /// pattern (not retired) whose entry in force started last. Null when nothing prices it.
    /// </summary>
    public PriceEntry? PriceAt(string model, DateTimeOffset hour)
    {
        if (_exact.TryGetValue(model, out var entries) && Latest(entries, hour) is { Retired: false } exact)
        {
            return exact;
        }

        PriceEntry? best = null;
        for (var i = 0; i < _patterns.Length; i++)
        {
            if (Latest(_patterns[i].Entries, hour) is { Retired: false } entry
                && (best is null || entry.EffectiveFrom > best.EffectiveFrom)
                && Matches(i, model))
            {
                best = entry;
            }
        }

        return best;
    }

    /// <summary>Whether a pattern entry's regex matches the model (exact entries match only themselves).</summary>
    public static bool Catches(string modelOrPattern, string model)
    {
        if (!modelOrPattern.StartsWith(PriceEntry.PatternPrefix, StringComparison.Ordinal))
        {
            return string.Equals(modelOrPattern, model, StringComparison.Ordinal);
        }

        try
        {
            return Compile(modelOrPattern[PriceEntry.PatternPrefix.Length..]).IsMatch(model);
        }
        catch (Exception ex) when (ex is ArgumentException or RegexMatchTimeoutException)
        {
            return false;
        }
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

/// <summary>The cost formula (README, Token ledger and cost), in decimal USD.</summary>
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
        return (plainInput * price.InputPerMTok
                + tokens.CachedInput * price.EffectiveCachedInput
                + tokens.CacheWrite * price.EffectiveCacheWrite
                + tokens.Output * price.OutputPerMTok) / PerMillion;
    }

    public static HourCost CostAt(PriceBook prices, string model, DateTimeOffset hour, TokenCounts tokens, bool inputIncludesCached)
    {
        var price = prices.PriceAt(model, hour);
        return price is null ? new HourCost(0m, false, null) : new HourCost(Cost(tokens, price, inputIncludesCached), true, price);
    }
}

/// <summary>
/// Where the prices in force come from (the stored price history). The spend fold's callers read prices through it,
/// so spend depends on the core's idea of prices, not on the feature that edits them.
/// </summary>
public interface IPriceSource
{
    Task<PriceBook> LoadAsync(CancellationToken cancellationToken = default);
}
