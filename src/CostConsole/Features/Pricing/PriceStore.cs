using CostConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Pricing;

/// <summary>Stored prices: read as a <see cref="PriceBook"/>, imported all-or-nothing.</summary>
public sealed class PriceStore(IDbContextFactory<CostConsoleDbContext> dbFactory, Spend.SpendDataVersion dataVersion, TimeProvider time, ILogger<PriceStore> logger)
{
    public async Task<PriceBook> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var records = await db.Prices.AsNoTracking().ToListAsync(cancellationToken);
        return new PriceBook(records.Select(r => r.ToEntry()));
    }

    /// <summary>Imports entries in one transaction. Any clash with a stored entry (same model and hour) imports nothing.</summary>
    public async Task<IReadOnlyList<ImportProblem>> ImportAsync(IReadOnlyList<PriceEntry> entries, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var existing = (await db.Prices.AsNoTracking().Select(p => new { p.Model, p.EffectiveFromUtc }).ToListAsync(cancellationToken))
            .Select(p => (p.Model, p.EffectiveFromUtc.UtcTicks)).ToHashSet();
        var clashes = entries
            .Select((e, i) => (Entry: e, Line: i + 2))
            .Where(x => existing.Contains((x.Entry.Model, x.Entry.EffectiveFrom.UtcTicks)))
            .Select(x => new ImportProblem(x.Line, $"{x.Entry.Model} already has a stored price from {x.Entry.EffectiveFrom:yyyy-MM-ddTHH:mm}Z; correct it in the price editor instead"))
            .ToList();
        if (clashes.Count > 0)
        {
            return clashes;
        }

        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Prices.AddRange(entries.Select(e => new PriceRecord
        {
            Model = e.Model,
            EffectiveFromUtc = e.EffectiveFrom,
            InputPerMTok = e.InputPerMTok,
            OutputPerMTok = e.OutputPerMTok,
            CachedInputPerMTok = e.CachedInputPerMTok,
            CacheWritePerMTok = e.CacheWritePerMTok,
            CreatedUtc = now,
            CreatedBy = actor,
        }));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        dataVersion.Bump();
        logger.LogInformation("Imported {Count} price entries by {Actor}", entries.Count, actor);
        return [];
    }
}
