using CostConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Pricing;

/// <summary>Stored prices: read as a <see cref="PriceBook"/>, imported all-or-nothing.</summary>
public sealed class PriceStore(IDbContextFactory<CostConsoleDbContext> dbFactory, CostDataVersion dataVersion, TimeProvider time, ILogger<PriceStore> logger) : IPriceSource
{
    public async Task<PriceBook> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var records = await db.Prices.AsNoTracking().ToListAsync(cancellationToken);
        return new PriceBook(records.Select(r => r.ToEntry()));
    }

    /// <summary>Imports entries in one transaction. Any clash with a stored entry (same model, variant and hour) imports nothing.</summary>
    public async Task<IReadOnlyList<ImportProblem>> ImportAsync(IReadOnlyList<PriceEntry> entries, string actor, string reason = "", CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var existing = (await db.Prices.AsNoTracking().Select(p => new { p.Model, p.Variant, p.EffectiveFromUtc }).ToListAsync(cancellationToken))
            .Select(p => (p.Model, p.Variant, p.EffectiveFromUtc.UtcTicks)).ToHashSet();
        var clashes = entries
            .Select((e, i) => (Entry: e, Line: i + 2))
            .Where(x => existing.Contains((x.Entry.Model, x.Entry.Variant, x.Entry.EffectiveFrom.UtcTicks)))
            .Select(x => new ImportProblem(x.Line, $"{x.Entry.Model}{(x.Entry.IsBase ? "" : " variant " + PriceValidation.Shown(x.Entry.Variant))} already has a stored price from {x.Entry.EffectiveFrom:yyyy-MM-ddTHH:mm}Z; correct it in the price editor instead"))
            .ToList();
        if (clashes.Count > 0)
        {
            return clashes;
        }

        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var records = entries.Select(e =>
        {
            var record = new PriceRecord { Model = e.Model, CreatedUtc = now, CreatedBy = actor };
            record.CopyFrom(e);
            return record;
        }).ToList();
        db.Prices.AddRange(records);
        await db.SaveChangesAsync(cancellationToken);
        db.PriceAudits.AddRange(records.Select(r => new PriceAudit
        {
            AtUtc = now,
            Actor = actor,
            Action = PriceAction.Imported,
            Model = r.Model,
            PriceId = r.Id,
            After = PriceEditor.Describe(r.ToEntry()),
            Reason = reason,
        }));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        dataVersion.Bump();
        logger.LogInformation("Imported {Count} price entries by {Actor}", entries.Count, actor);
        return [];
    }
}
