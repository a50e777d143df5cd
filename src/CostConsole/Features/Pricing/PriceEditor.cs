using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CostConsole.Data;
using CostConsole.Features.Metrics;
using CostConsole.Features.Spend;
using CostConsole.Prometheus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Pricing;

/// <summary>A stored entry with what the editor shows beside it.</summary>
public sealed record StoredPrice(int Id, PriceEntry Entry, int Version, DateTimeOffset CreatedUtc, string CreatedBy, DateTimeOffset? UpdatedUtc, string? UpdatedBy)
{
    public static StoredPrice Of(PriceRecord r) => new(r.Id, r.ToEntry(), r.Version, r.CreatedUtc, r.CreatedBy, r.UpdatedUtc, r.UpdatedBy);
}

/// <summary>A model (or pattern) seen in the ledger, with its billable tokens over the whole ledger.</summary>
public sealed record SeenModel(string Model, long BillableTokens);

/// <summary>
/// The outcome of an edit. <see cref="Saved"/> only when nothing stands in the way; otherwise the check's errors, the
/// confirmations still to give, or a conflict with someone else's change (nothing is written in any of those cases).
/// </summary>
public sealed record PriceChange(bool Saved, PriceCheck Check, string? Conflict = null)
{
    public bool NeedsConfirmation => !Saved && Conflict is null && Check.Errors.Count == 0 && Check.Confirmations.Count > 0;

    public IEnumerable<string> Problems => Conflict is null ? Check.Errors : [Conflict, .. Check.Errors];
}

/// <summary>
/// Adds, corrects and retires price entries: each change is checked, written in one transaction together with its
/// audit record, refused when someone else changed the model since the editor read it, and takes effect on the next
/// view (cost is computed at query time; the spend caches are dropped).
/// </summary>
public sealed class PriceEditor(IDbContextFactory<CostConsoleDbContext> dbFactory, Ledger.LedgerReader ledger, CostDataVersion dataVersion, IOptions<PrometheusOptions> prometheus, TimeProvider time, ILogger<PriceEditor> logger)
{
    private (long Version, IReadOnlyList<SeenModel> Models)? _seen;

    public async Task<IReadOnlyList<StoredPrice>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var records = await db.Prices.AsNoTracking().ToListAsync(cancellationToken);
        return [.. records.OrderBy(r => r.Model, StringComparer.Ordinal).ThenBy(r => r.EffectiveFromUtc).Select(StoredPrice.Of)];
    }

    /// <summary>A short fingerprint of a model's entries and their versions: it changes with every edit of that model.</summary>
    public static string StampOf(IEnumerable<StoredPrice> prices, string model)
    {
        var text = string.Join(';', prices.Where(p => p.Entry.Model == model).OrderBy(p => p.Id).Select(p => $"{p.Id}.{p.Version}"));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(model + "|" + text)))[..16].ToLowerInvariant();
    }

    /// <summary>Every model in the ledger with its billable tokens, kept until the ledger or prices change.</summary>
    public async Task<IReadOnlyList<SeenModel>> SeenModelsAsync(CancellationToken cancellationToken = default)
    {
        var version = dataVersion.Current;
        if (_seen is { } seen && seen.Version == version)
        {
            return seen.Models;
        }

        var includes = prometheus.Value.ActiveProfile().InputIncludes;
        var sums = await ledger.TokensByModelAsync(cancellationToken);
        IReadOnlyList<SeenModel> models = [.. sums.GroupBy(s => s.Model)
            .Select(g => new SeenModel(g.Key, g.Where(s => s.Type switch { TokenType.Input or TokenType.Output => true, TokenType.CachedInput => !includes.Reads, TokenType.CacheWrite => !includes.Writes, _ => false }).Sum(s => s.Tokens)))
            .OrderBy(m => m.Model, StringComparer.Ordinal)];
        _seen = (version, models);
        return models;
    }

    /// <summary>Checks a draft without saving (the editor's live validation and the API's dry run).</summary>
    public async Task<PriceCheck> CheckAsync(PriceDraft draft, int? replacingId = null, CancellationToken cancellationToken = default)
    {
        var stored = await ListAsync(cancellationToken);
        var seen = (await SeenModelsAsync(cancellationToken)).Select(m => m.Model).ToHashSet(StringComparer.Ordinal);
        var replacing = replacingId is { } id ? stored.FirstOrDefault(p => p.Id == id)?.Entry : null;
        return await WithinRetentionAsync(PriceValidation.Check(draft, [.. stored.Select(p => p.Entry)], seen, time.GetUtcNow(), replacing), cancellationToken);
    }

    /// <summary>
    /// Why a price may not start at this hour: before the end of the last day whose hourly rows retention dropped
    /// (Ledger:HourlyRetentionDays), only whole days are left to price apart, so a price there starts at 00:00 UTC.
    /// </summary>
    public async Task<Func<DateTimeOffset, string?>> RetentionCheckAsync(CancellationToken cancellationToken = default)
    {
        var pruned = await ledger.PrunedThroughAsync(cancellationToken);
        return effectiveFrom => RetentionProblem(effectiveFrom, pruned);
    }

    private static string? RetentionProblem(DateTimeOffset effectiveFrom, DateTimeOffset? prunedThrough)
    {
        if (effectiveFrom.UtcTicks % TimeSpan.TicksPerDay == 0 || prunedThrough is not { } pruned || effectiveFrom >= pruned)
        {
            return null;
        }

        return $"Hourly ledger rows before {pruned:yyyy-MM-dd} (UTC) are kept as daily sums only (Ledger:HourlyRetentionDays), so a price starting before then must start at 00:00 UTC "
            + $"(was {PriceValidation.Hour(effectiveFrom)}): use {PriceValidation.Hour(RangeWindow.Floor(effectiveFrom, TimeSpan.FromDays(1)))} or {PriceValidation.Hour(RangeWindow.Ceiling(effectiveFrom, TimeSpan.FromDays(1)))}.";
    }

    private async Task<PriceCheck> WithinRetentionAsync(PriceCheck check, CancellationToken cancellationToken) =>
        check.Entry is { } entry && (await RetentionCheckAsync(cancellationToken))(entry.EffectiveFrom) is { } problem
            ? check with { Errors = [.. check.Errors, problem], Entry = null }
            : check;

    /// <summary>Checks a retirement without saving (the editor's preview and the API's).</summary>
    public async Task<PriceCheck> CheckRetirementAsync(string? model, string? effectiveFrom, CancellationToken cancellationToken = default) =>
        await WithinRetentionAsync(PriceValidation.CheckRetirement(model, effectiveFrom, [.. (await ListAsync(cancellationToken)).Select(p => p.Entry)], time.GetUtcNow()), cancellationToken);

    public Task<PriceChange> AddAsync(PriceDraft draft, string? reason, string expectedStamp, bool confirmed, string actor, CancellationToken cancellationToken = default) =>
        SaveAsync(PriceAction.Added, draft, null, null, reason, expectedStamp, null, confirmed, actor, cancellationToken);

    public Task<PriceChange> CorrectAsync(int id, int expectedVersion, PriceDraft draft, string? reason, bool confirmed, string actor, CancellationToken cancellationToken = default) =>
        SaveAsync(PriceAction.Corrected, draft, null, id, reason, null, expectedVersion, confirmed, actor, cancellationToken);

    public Task<PriceChange> RetireAsync(string? model, string? effectiveFrom, string? reason, string expectedStamp, string actor, CancellationToken cancellationToken = default) =>
        SaveAsync(PriceAction.Retired, null, (model, effectiveFrom), null, reason, expectedStamp, null, confirmed: true, actor, cancellationToken);

    private async Task<PriceChange> SaveAsync(
        PriceAction action, PriceDraft? draft, (string? Model, string? From)? retirement, int? id, string? reason,
        string? expectedStamp, int? expectedVersion, bool confirmed, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var why = (reason ?? "").Trim();
        var reasonProblem = ReasonProblem(why, required: action != PriceAction.Added);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // SQLite serialises writers: BEGIN IMMEDIATE holds the write lock from the read of the current state to the commit.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var records = await db.Prices.ToListAsync(cancellationToken);
        var stored = records.Select(StoredPrice.Of).ToList();
        var entries = stored.Select(p => p.Entry).ToList();
        var seen = (await SeenModelsAsync(cancellationToken)).Select(m => m.Model).ToHashSet(StringComparer.Ordinal);

        PriceRecord? record = null;
        PriceCheck check;
        if (action == PriceAction.Corrected)
        {
            record = records.FirstOrDefault(r => r.Id == id);
            if (record is null)
            {
                return new PriceChange(false, Failed($"Price entry {id} does not exist (was it replaced by an import of another database?)."));
            }

            if (record.Version != expectedVersion)
            {
                return new PriceChange(false, Failed(), await ConflictAsync(db, record.Model, cancellationToken));
            }

            check = record.Retired
                ? PriceValidation.CheckRetirement(record.Model, draft!.EffectiveFrom, entries.Where(e => e != record.ToEntry()).ToList(), now)
                : PriceValidation.Check(draft!, entries, seen, now, record.ToEntry());
        }
        else
        {
            check = action == PriceAction.Retired
                ? PriceValidation.CheckRetirement(retirement!.Value.Model, retirement.Value.From, entries, now)
                : PriceValidation.Check(draft!, entries, seen, now);
            // A model's first price needs no stamp (there is nothing to have read); any later one needs the current stamp.
            var firstOfModel = string.IsNullOrEmpty(expectedStamp) && check.Entry is { } drafted && stored.All(p => p.Entry.Model != drafted.Model);
            if (reasonProblem is null && check.Valid && !firstOfModel && expectedStamp != StampOf(stored, check.Entry!.Model))
            {
                return new PriceChange(false, check, await ConflictAsync(db, check.Entry.Model, cancellationToken));
            }
        }

        check = await WithinRetentionAsync(check, cancellationToken);
        if (reasonProblem is not null)
        {
            check = check with { Errors = [.. check.Errors, reasonProblem], Entry = null };
        }

        if (!check.Valid || (check.Confirmations.Count > 0 && !confirmed))
        {
            return new PriceChange(false, check);
        }

        var entry = check.Entry!;
        var before = record is null ? "" : Describe(record.ToEntry());
        if (record is null)
        {
            record = new PriceRecord { Model = entry.Model, CreatedUtc = now, CreatedBy = actor };
            db.Prices.Add(record);
        }
        else
        {
            record.UpdatedUtc = now;
            record.UpdatedBy = actor;
            record.Version++;
        }

        record.CopyFrom(entry);
        await db.SaveChangesAsync(cancellationToken);
        db.PriceAudits.Add(new PriceAudit
        {
            AtUtc = now,
            Actor = actor,
            Action = action,
            Model = entry.Model,
            PriceId = record.Id,
            Before = before,
            After = Describe(entry),
            Reason = why,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        dataVersion.Bump();
        logger.LogInformation("Price {Action} for {Model} by {Actor}: {After}", action, entry.Model, actor, Describe(entry));
        return new PriceChange(true, check);
    }

    private static PriceCheck Failed(params string[] errors) => new(null, errors, [], [], []);

    private async Task<string> ConflictAsync(CostConsoleDbContext db, string model, CancellationToken cancellationToken)
    {
        var last = await db.PriceAudits.AsNoTracking().Where(a => a.Model == model).ToListAsync(cancellationToken);
        var latest = last.OrderByDescending(a => a.AtUtc).ThenByDescending(a => a.Id).FirstOrDefault();
        var who = latest is null ? "Someone" : $"{latest.Actor} ({latest.Action.ToString().ToLowerInvariant()} at {PriceValidation.Hour(latest.AtUtc)[..16]} UTC)";
        return $"{who} changed the prices of {PriceValidation.Shown(model)} after you opened them. Nothing was saved: reload the timeline, look at their change, then make yours again.";
    }

    public static string? ReasonProblem(string reason, bool required)
    {
        if (required && reason.Length == 0) return "Say why (the reason is kept in the audit trail).";
        if (reason.Length > PriceAudit.MaxReasonLength) return $"The reason has more than {PriceAudit.MaxReasonLength} characters.";
        if (reason.Any(c => char.IsControl(c) && c != '\n')) return "The reason contains control characters.";
        return null;
    }

    /// <summary>An entry in words, as the audit trail keeps it.</summary>
    public static string Describe(PriceEntry e) => (e.IsBase ? "" : $"variant {PriceValidation.Shown(e.Variant)} ") + (e.Retired
        ? $"retired from {PriceValidation.Hour(e.EffectiveFrom)}"
        : e.Multiplier is { } m
        ? string.Create(CultureInfo.InvariantCulture, $"from {PriceValidation.Hour(e.EffectiveFrom)}: {m}× the base price in force")
        : string.Create(CultureInfo.InvariantCulture,
            $"from {PriceValidation.Hour(e.EffectiveFrom)}: input {PriceValidation.Money(e.InputPerMTok)}, cached {(e.CachedInputPerMTok is { } c ? PriceValidation.Money(c) : "as input")}, cache write {(e.CacheWritePerMTok is { } w ? PriceValidation.Money(w) : "as input")}{(e.CacheWrite1hPerMTok is { } w1 ? $", 1-hour cache write {PriceValidation.Money(w1)}" : "")}, output {PriceValidation.Money(e.OutputPerMTok)} per 1M"));

    public async Task<IReadOnlyList<PriceAudit>> AuditAsync(string? model = null, int take = 200, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.PriceAudits.AsNoTracking();
        if (!string.IsNullOrEmpty(model))
        {
            query = query.Where(a => a.Model == model);
        }

        // SQLite orders the ticks column; the id breaks ties within one import.
        return await query.OrderByDescending(a => a.Id).Take(Math.Clamp(take, 1, 1000)).ToListAsync(cancellationToken);
    }
}
