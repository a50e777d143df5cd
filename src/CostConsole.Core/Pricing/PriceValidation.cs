using System.Text.RegularExpressions;
using System.Globalization;

namespace CostConsole.Core.Pricing;

/// <summary>A price entry as typed into the editor or sent to the API: every field as text, checked by <see cref="PriceValidation"/>.</summary>
public sealed record PriceDraft(string? Model, string? EffectiveFrom, string? Input, string? Output, string? CachedInput = null, string? CacheWrite = null,
    string? Variant = null, string? Multiplier = null, string? CacheWrite1h = null)
{
    public static PriceDraft From(PriceEntry entry) => entry.Multiplier is { } multiplier
        ? new(entry.Model, entry.EffectiveFrom.UtcDateTime.ToString("yyyy-MM-ddTHH:00:00Z", CultureInfo.InvariantCulture), null, null, Variant: entry.Variant, Multiplier: Text(multiplier))
        : new(
            entry.Model,
            entry.EffectiveFrom.UtcDateTime.ToString("yyyy-MM-ddTHH:00:00Z", CultureInfo.InvariantCulture),
            Text(entry.InputPerMTok),
            Text(entry.OutputPerMTok),
            entry.CachedInputPerMTok is { } cached ? Text(cached) : null,
            entry.CacheWritePerMTok is { } write ? Text(write) : null,
            entry.Variant.Length == 0 ? null : entry.Variant,
            CacheWrite1h: entry.CacheWrite1hPerMTok is { } write1h ? Text(write1h) : null);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// What a check found: errors refuse the change, confirmations must be acknowledged before it is saved, warnings are
/// shown. <see cref="Catches"/> lists the models seen in the ledger that the entry would price.
/// </summary>
public sealed record PriceCheck(PriceEntry? Entry, IReadOnlyList<string> Errors, IReadOnlyList<string> Confirmations, IReadOnlyList<string> Warnings, IReadOnlyList<string> Catches)
{
    public bool Valid => Errors.Count == 0 && Entry is not null;
}

/// <summary>The rules every new or corrected price entry meets, whichever way it arrives (pure: no database, no clock).</summary>
public static class PriceValidation
{
    /// <summary>Prices above this (USD per 1M tokens) are taken for a typo, such as a per-token price entered per 1M.</summary>
    public const decimal AbsurdPrice = 10_000m;

    /// <summary>The longest model name a price can be for (the ledger cuts nothing: longer names are refused here).</summary>
    public const int MaxModelLength = 200;

    /// <summary>What is wrong with a model name as the key of a price, in words for a form or an import report.</summary>
    public static IEnumerable<string> ValidateModel(string model)
    {
        if (string.IsNullOrEmpty(model))
        {
            yield return "the model is empty";
            yield break;
        }

        if (model.Length > MaxModelLength)
        {
            yield return $"the model has more than {MaxModelLength} characters";
        }

        // U+2028, U+2029 (and U+0085, a control character) end a line in YAML and JavaScript: they would break the
        // generated rules file.
        if (model.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029') || model.Contains('"'))
        {
            yield return "the model contains control characters, line separators or quotes";
        }

        if (model.StartsWith('\''))
        {
            yield return "the model starts with ', which spreadsheets (and CostConsole's CSV files) use to mark a cell as text";
        }

        if (model.StartsWith(PriceEntry.PatternPrefix, StringComparison.Ordinal))
        {
            string? error = null;
            try
            {
                _ = new Regex(model[PriceEntry.PatternPrefix.Length..], RegexOptions.None, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException ex)
            {
                error = $"the pattern is not a valid regular expression: {ex.Message}";
            }

            if (error is not null)
            {
                yield return error;
            }
        }
    }

    /// <summary>Above this a price (USD per 1M tokens) is unusual enough to ask for confirmation.</summary>
    public const decimal ConfirmAbove = 1_000m;

    /// <summary>Entries cannot start before this; older prices have no tokens to apply to.</summary>
    public static readonly DateTimeOffset Earliest = new(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far ahead an entry may be scheduled.</summary>
    public static readonly TimeSpan LatestAhead = TimeSpan.FromDays(2 * 366);

    /// <summary>
    /// Checks a draft against the stored entries (without <paramref name="replacing"/>, the entry a correction
    /// changes) and the models seen in the ledger.
    /// </summary>
    public static PriceCheck Check(PriceDraft draft, IReadOnlyList<PriceEntry> stored, IReadOnlyCollection<string> seenModels, DateTimeOffset now, PriceEntry? replacing = null)
    {
        List<string> errors = [];
        List<string> confirmations = [];
        List<string> warnings = [];
        var model = (draft.Model ?? "").Trim();
        errors.AddRange(PriceValidation.ValidateModel(model));
        var effective = ParseHour(draft.EffectiveFrom, "The effective-from time", now, errors);
        var variant = (draft.Variant ?? "").Trim();
        errors.AddRange(ValidateVariant(variant));
        var multiplier = ParseMultiplier(draft.Multiplier, variant, errors);
        var others = stored.Where(e => replacing is null || !(e.Model == replacing.Model && e.Variant == replacing.Variant && e.EffectiveFrom == replacing.EffectiveFrom)).ToList();
        void RefuseSecondEntry(DateTimeOffset from)
        {
            if (others.Any(e => e.Model == model && e.Variant == variant && e.EffectiveFrom == from))
            {
                errors.Add($"{model}{(variant.Length == 0 ? "" : " variant " + Shown(variant))} already has an entry from {Hour(from)}; correct that entry instead of adding a second one for the same hour.");
            }
        }

        if (multiplier is not null)
        {
            // A multiplier variant has no prices of its own: they follow the base entry in force, hour by hour.
            if (new[] { draft.Input, draft.Output, draft.CachedInput, draft.CacheWrite, draft.CacheWrite1h }.Any(p => !string.IsNullOrWhiteSpace(p)))
            {
                errors.Add($"Give either prices or a multiplier for the variant {Shown(variant)}, not both: a multiplier prices it as that multiple of the base entry in force.");
            }

            if (errors.Count > 0) return new PriceCheck(null, errors, confirmations, warnings, []);
            var scaled = new PriceEntry(model, effective!.Value, 0m, 0m, Variant: variant, Multiplier: multiplier);
            RefuseSecondEntry(scaled.EffectiveFrom);

            if (!stored.Any(e => e.Model == model && e.IsBase && !e.Retired))
            {
                warnings.Add($"{model} has no base price yet: the variant {Shown(variant)} prices nothing until it has one.");
            }

            return new PriceCheck(errors.Count == 0 ? scaled : null, errors, confirmations, warnings, []);
        }

        var input = ParsePrice(draft.Input, "The input price", required: true, errors, confirmations);
        var output = ParsePrice(draft.Output, "The output price", required: true, errors, confirmations);
        var cached = ParsePrice(draft.CachedInput, "The cached-input price", required: false, errors, confirmations);
        var cacheWrite = ParsePrice(draft.CacheWrite, "The cache-write price", required: false, errors, confirmations);
        var cacheWrite1h = ParsePrice(draft.CacheWrite1h, "The 1-hour cache-write price", required: false, errors, confirmations);
        if (errors.Count > 0)
        {
            return new PriceCheck(null, errors, confirmations, warnings, []);
        }

        var entry = new PriceEntry(model, effective!.Value, input!.Value, output!.Value, cached, cacheWrite, Variant: variant, CacheWrite1hPerMTok: cacheWrite1h);
        if (output < input)
        {
            confirmations.Add($"The output price ({Money(output.Value)}) is below the input price ({Money(input.Value)}); for chat models it is usually higher. Are the two swapped?");
        }

        if (cached > input)
        {
            confirmations.Add($"The cached-input price ({Money(cached.Value)}) is above the input price ({Money(input.Value)}); cache reads are usually cheaper.");
        }

        RefuseSecondEntry(entry.EffectiveFrom);

        if (variant.Length > 0)
        {
            return new PriceCheck(errors.Count == 0 ? entry : null, errors, confirmations, warnings, []);
        }

        var catches = seenModels.Where(m => PriceBook.Catches(model, m)).OrderBy(m => m, StringComparer.Ordinal).ToList();
        warnings.AddRange(CoverageWarnings(model, catches, others, seenModels));
        return new PriceCheck(errors.Count == 0 ? entry : null, errors, confirmations, warnings, catches);
    }

    /// <summary>Checks a retirement: the model must have a price in force at that hour to retire.</summary>
    public static PriceCheck CheckRetirement(string? model, string? effectiveFrom, IReadOnlyList<PriceEntry> stored, DateTimeOffset now)
    {
        List<string> errors = [];
        var name = (model ?? "").Trim();
        var effective = ParseHour(effectiveFrom, "The retirement time", now, errors);
        if (errors.Count > 0)
        {
            return new PriceCheck(null, errors, [], [], []);
        }

        var timeline = stored.Where(e => e.Model == name && e.IsBase).OrderBy(e => e.EffectiveFrom).ToList();
        var inForce = timeline.LastOrDefault(e => e.EffectiveFrom <= effective);
        if (timeline.Count == 0)
        {
            errors.Add($"{Shown(name)} has no price entries to retire.");
        }
        else if (inForce is null)
        {
            errors.Add($"{name} has no price in force at {Hour(effective!.Value)}; its first entry starts {Hour(timeline[0].EffectiveFrom)}.");
        }
        else if (inForce.Retired)
        {
            errors.Add($"{name} is already retired from {Hour(inForce.EffectiveFrom)}.");
        }
        else if (inForce.EffectiveFrom == effective)
        {
            errors.Add($"{name} has an entry starting at {Hour(effective!.Value)}; retire it from a later hour, or correct that entry.");
        }

        return new PriceCheck(errors.Count == 0 ? PriceEntry.Retirement(name, effective!.Value) : null, errors, [], [], []);
    }

    /// <summary>Warnings about what an entry covers: a pattern that catches nothing seen, or the same models as another pattern; an exact model never seen.</summary>
    private static IEnumerable<string> CoverageWarnings(string model, IReadOnlyList<string> catches, IReadOnlyList<PriceEntry> others, IReadOnlyCollection<string> seenModels)
    {
        if (!model.StartsWith(PriceEntry.PatternPrefix, StringComparison.Ordinal))
        {
            if (!seenModels.Contains(model))
            {
                var similar = seenModels.Where(m => m.Contains(model, StringComparison.OrdinalIgnoreCase) || model.Contains(m, StringComparison.OrdinalIgnoreCase)).Take(5).ToList();
                yield return similar.Count > 0
                    ? $"No tokens of {model} have been seen in the ledger. Did you mean {string.Join(", ", similar)}?"
                    : $"No tokens of {model} have been seen in the ledger; check the spelling (the price will apply once it appears).";
            }

            yield break;
        }

        if (catches.Count == 0)
        {
            yield return $"The pattern {model} matches no model seen in the ledger.";
            yield break;
        }

        var exactOwners = others.Where(e => !e.IsPattern).Select(e => e.Model).ToHashSet(StringComparer.Ordinal);
        var shadowed = catches.Where(exactOwners.Contains).ToList();
        if (shadowed.Count > 0)
        {
            yield return $"{List(shadowed)} have prices of their own, which beat the pattern.";
        }

        foreach (var other in others.Where(e => e.IsPattern && e.Model != model && !e.Retired).Select(e => e.Model).Distinct(StringComparer.Ordinal))
        {
            var both = catches.Where(m => PriceBook.Catches(other, m)).ToList();
            if (both.Count > 0)
            {
                yield return $"The pattern overlaps {other}: both catch {List(both)} (the entry that started last wins).";
            }
        }
    }

    /// <summary>Reads a time with a zone (or a plain date-time taken as UTC), on the hour, within a sane range.</summary>
    public static DateTimeOffset? ParseHour(string? raw, string what, DateTimeOffset now, List<string> errors)
    {
        var text = (raw ?? "").Trim();
        if (text.Length == 0)
        {
            errors.Add($"{what} is required (UTC, on the hour, e.g. 2026-12-01T00:00Z).");
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            errors.Add($"{what} '{Shown(text)}' is not a date and time (use ISO 8601, e.g. 2026-12-01T00:00Z).");
            return null;
        }

        time = time.ToUniversalTime();
        if (time.UtcTicks % TimeSpan.TicksPerHour != 0)
        {
            errors.Add($"{what} {time:yyyy-MM-ddTHH:mm}Z is not on the hour: prices change on whole hours (UTC).");
            return null;
        }

        if (time < Earliest || time > now + LatestAhead)
        {
            errors.Add($"{what} {Hour(time)} is out of range: use a time between {Earliest:yyyy-MM-dd} and two years from now.");
            return null;
        }

        return time;
    }

    /// <summary>The longest variant name (a service or context tier as a label carries it).</summary>
    public const int MaxVariantLength = 64;

    /// <summary>Why a variant name cannot be stored ("" is the base price and always fine).</summary>
    public static IEnumerable<string> ValidateVariant(string variant)
    {
        if (variant.Length > MaxVariantLength)
        {
            yield return $"The variant is {variant.Length} characters long; at most {MaxVariantLength} are allowed.";
        }
        else if (variant.Any(char.IsControl))
        {
            yield return $"The variant {Shown(variant)} contains control characters.";
        }
        else if (variant.Length > 0 && PriceEntry.BaseVariants.Contains(variant))
        {
            yield return $"The variant {Shown(variant)} already means the base price: leave the variant empty to price it.";
        }
        else if (variant.StartsWith(PriceEntry.PatternPrefix, StringComparison.Ordinal))
        {
            yield return $"The variant {Shown(variant)} names one label value exactly; patterns are for models only.";
        }
    }

    /// <summary>A multiplier of the base price (greater than 0, at most 100), only for a variant; null when none was given.</summary>
    public static decimal? ParseMultiplier(string? raw, string variant, List<string> errors)
    {
        var text = (raw ?? "").Trim();
        if (text.Length == 0) return null;
        // "0.5x" and "1.8×" are how price pages write them.
        if (text.Length > 1 && text[^1] is 'x' or '×') text = text[..^1].TrimEnd();
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0m || value > 100m)
        {
            errors.Add($"The multiplier {Shown(raw!)} is not a number greater than 0 and at most 100 (for example 0.5 for batch, 1.8 for priority).");
            return null;
        }

        if (variant.Length == 0)
        {
            errors.Add("A multiplier prices a variant as a multiple of the base price; name the variant (for example flex), or give the base entry its own prices.");
            return null;
        }

        return value;
    }

    private static decimal? ParsePrice(string? raw, string what, bool required, List<string> errors, List<string> confirmations)
    {
        var text = (raw ?? "").Trim().TrimStart('$');
        if (text.Length == 0)
        {
            if (required) errors.Add($"{what} is required (USD per 1M tokens).");
            return null;
        }

        var (value, problem) = ReadPrice(text, allowExponent: true);
        switch (problem)
        {
            case PriceTextProblem.NotANumber:
                errors.Add($"{what} '{Shown(text)}' is not a number (USD per 1M tokens, e.g. 2.50).");
                return null;
            case PriceTextProblem.Negative:
                errors.Add($"{what} {text} is negative; prices are zero or more.");
                return null;
            case PriceTextProblem.Absurd:
                errors.Add($"{what} {Money(value)} is over {Money(AbsurdPrice)} per 1M tokens: is it a per-token or per-1K price?");
                return null;
        }

        if (value > ConfirmAbove)
        {
            confirmations.Add($"{what} {Money(value)} per 1M tokens is over {Money(ConfirmAbove)}; confirm it is meant.");
        }

        return Math.Round(value, 6);
    }

    /// <summary>
    /// Reads a price in USD per 1M tokens and says what is wrong with it, for each caller to word in its own terms
    /// (the editor's messages, the import report's). Exponents ("2.5e0") only where <paramref name="allowExponent"/>.
    /// </summary>
    public static (decimal Value, PriceTextProblem Problem) ReadPrice(string text, bool allowExponent)
    {
        var styles = NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | (allowExponent ? NumberStyles.AllowExponent : NumberStyles.None);
        if (!decimal.TryParse(text, styles, CultureInfo.InvariantCulture, out var value)) return (0m, PriceTextProblem.NotANumber);
        if (value < 0) return (value, PriceTextProblem.Negative);
        return value > AbsurdPrice ? (value, PriceTextProblem.Absurd) : (value, PriceTextProblem.None);
    }

    public static string Money(decimal perMillion) => "$" + perMillion.ToString("#,##0.00####", CultureInfo.InvariantCulture);

    public static string Hour(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    private static string List(IReadOnlyList<string> models) => models.Count <= 6 ? string.Join(", ", models) : $"{string.Join(", ", models.Take(6))} and {models.Count - 6} more";

    /// <summary>A value echoed in a message: control characters made visible, long values cut.</summary>
    public static string Shown(string value) => Echo.Printable(value);
}

/// <summary>What can be wrong with a price as written.</summary>
public enum PriceTextProblem
{
    None,
    NotANumber,
    Negative,
    /// <summary>Over <see cref="PriceValidation.AbsurdPrice"/>: most likely a per-token or per-1K price.</summary>
    Absurd,
}
