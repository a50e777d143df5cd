using System.Collections.Concurrent;
using CostConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Ledger;

/// <summary>
/// The ledger's dimension sets (<see cref="LedgerSet"/>) held in memory both ways: readers turn the integer keys of
/// hour, day and month rows back into values, the writer turns values into keys (adding the sets it has not seen).
/// Sets are only ever added and keys never reused, so the cache only grows: a key missing from it was added since it
/// was last read, and reading the keys above the highest one known brings it up to date.
/// </summary>
public sealed class DimensionSets(IDbContextFactory<CostConsoleDbContext> dbFactory)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<long, Dimensions> _byId = new();
    private readonly Dictionary<Dimensions, long> _byValues = [];
    private long _highest;

    /// <summary>The values of every key read, reading the sets added since the last read first when one is unknown.</summary>
    public async Task<Func<long, Dimensions>> ResolverAsync(IEnumerable<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Any(id => !_byId.ContainsKey(id)))
        {
            await RefreshAsync(cancellationToken);
        }

        return id => _byId.TryGetValue(id, out var dimensions)
            ? dimensions
            : throw new InvalidOperationException($"The ledger has no dimension set {id}: its rows were written by something other than CostConsole.");
    }

    /// <summary>Reads the sets added since the last read.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await ReadNewAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every distinct value of each dimension the ledger's sets hold.</summary>
    public async Task<Dictionary<string, HashSet<string>>> ValuesAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        var sets = _byId.Values.ToList();
        return new Dictionary<string, HashSet<string>>
        {
            ["model"] = [.. sets.Select(d => d.Model)],
            ["provider"] = [.. sets.Select(d => d.Provider)],
            ["feature"] = [.. sets.Select(d => d.Feature)],
            ["team"] = [.. sets.Select(d => d.Team)],
            ["operation"] = [.. sets.Select(d => d.Operation)],
            ["outcome"] = [.. sets.Select(d => d.Outcome)],
            ["variant"] = [.. sets.Select(d => d.Variant)],
        };
    }

    /// <summary>
    /// The key of each set, adding the sets the ledger has not held yet (committed on their own: a set without rows
    /// is harmless, and a chunk written again finds it). Another writer adding the same set first is read back.
    /// </summary>
    public async Task<Dictionary<Dimensions, long>> KeysAsync(IEnumerable<Dimensions> sets, CancellationToken cancellationToken)
    {
        var wanted = sets.ToHashSet();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var missing = wanted.Where(d => !_byValues.ContainsKey(d)).ToList();
                if (missing.Count > 0)
                {
                    await ReadNewAsync(cancellationToken);
                    missing = [.. missing.Where(d => !_byValues.ContainsKey(d))];
                }

                if (missing.Count == 0)
                {
                    return wanted.ToDictionary(d => d, d => _byValues[d]);
                }

                try
                {
                    await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                    db.ChangeTracker.AutoDetectChangesEnabled = false;
                    db.LedgerSets.AddRange(missing.Select(d => new LedgerSet
                    {
                        Model = d.Model, Provider = d.Provider, Feature = d.Feature, Team = d.Team, Operation = d.Operation, Outcome = d.Outcome, Extra = d.Extra, Variant = d.Variant,
                    }));
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateException) when (attempt < 3)
                {
                    // Another writer added some of them first (unique values): read theirs and try the rest again.
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReadNewAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var highest = _highest;
        var added = await db.LedgerSets.AsNoTracking().Where(s => s.Id > highest).OrderBy(s => s.Id).ToListAsync(cancellationToken);
        foreach (var set in added)
        {
            var dimensions = set.ToDimensions();
            _byId[set.Id] = dimensions;
            _byValues[dimensions] = set.Id;
            _highest = set.Id;
        }
    }
}
