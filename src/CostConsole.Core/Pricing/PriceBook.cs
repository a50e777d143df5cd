using System.Text.RegularExpressions;

namespace CostConsole.Core.Pricing;

/// <summary>
/// All price entries, answering "which price was in force for this model in this hour". An exact model entry in
/// force beats any pattern; among entries of one kind the latest <see cref="PriceEntry.EffectiveFrom"/> wins.
/// </summary>
public sealed class PriceBook
{
    private readonly Dictionary<string, PriceEntry[]> _exact;
    private readonly (Regex Regex, PriceEntry[] Entries)[] _patterns;

    // Variant entries, per variant: the same structure as the base entries.
    private readonly Dictionary<string, PriceBook> _variants;

    public PriceBook(IEnumerable<PriceEntry> entries)
    {
        Entries = [.. entries.OrderBy(e => e.Model, StringComparer.Ordinal).ThenBy(e => e.Variant, StringComparer.Ordinal).ThenBy(e => e.EffectiveFrom)];
        var based = Entries.Where(e => e.IsBase).ToList();
        _exact = based.Where(e => !e.IsPattern)
            .GroupBy(e => e.Model, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _patterns = [.. based.Where(e => e.IsPattern)
            .GroupBy(e => e.Model, StringComparer.Ordinal)
            .Select(g => (Compile(g.First().Pattern), g.ToArray()))];
        _variants = Entries.Where(e => !e.IsBase).GroupBy(e => e.Variant, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new PriceBook(g.Select(e => e with { Variant = "" })), StringComparer.Ordinal);
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

    /// <summary>
    /// The prices of a model's variant in an hour: the variant's entry in force (exact beats pattern, as for the base),
    /// a multiplier applied to the base entry in force; a base-like variant ("", default, standard) is the base. A
    /// variant with no entry in force is priced at the base and <c>AsBase</c> says so (the caller flags it, never
    /// silently). Null when nothing prices the tokens.
    /// </summary>
    public (PriceEntry? Price, bool AsBase) PriceFor(string model, string variant, DateTimeOffset hour)
    {
        var basePrice = PriceAt(model, hour);
        if (PriceEntry.BaseVariants.Contains(variant))
        {
            return (basePrice, false);
        }

        if (_variants.TryGetValue(variant, out var book) && book.PriceAt(model, hour) is { } entry)
        {
            var own = entry with { Variant = variant };
            return own.Multiplier is null ? (own, false) : basePrice is null ? (null, false) : (own.Over(basePrice), false);
        }

        return (basePrice, basePrice is not null);
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
