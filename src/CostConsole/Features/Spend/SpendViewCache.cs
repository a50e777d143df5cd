using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Spend;

/// <summary>Spend views as pages and services read them (the cache in the app; an in-memory ledger in page tests).</summary>
public interface ISpendViews
{
    Task<SpendResult> GetAsync(SpendRequest request, CancellationToken cancellationToken = default);
}

/// <summary>
/// Everyone looking at the same view shares one computation: concurrent callers await the same task (single-flight)
/// and later ones get its result until the data changes or it ages out. Failures are not kept.
/// </summary>
public sealed class SpendViewCache(SpendQuery query, CostDataVersion version, IOptions<SpendOptions> options, TimeProvider time, ILogger<SpendViewCache> logger) : ISpendViews
{
    private const int MaxEntries = 500;

    private sealed record Entry(Lazy<Task<SpendResult>> Result, DateTimeOffset Expires)
    {
        public bool Usable(DateTimeOffset now) => Expires > now && !(Result.IsValueCreated && (Result.Value.IsFaulted || Result.Value.IsCanceled));
    }

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<SpendResult> GetAsync(SpendRequest request, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var key = version.Current + "#" + request.Key;
        var entry = _entries.AddOrUpdate(
            key,
            _ => Start(request, now),
            (_, existing) => existing.Usable(now) ? existing : Start(request, now));
        if (_entries.Count > MaxEntries)
        {
            Trim(now);
        }

        // The shared computation does not belong to any one caller: a caller that leaves only stops waiting.
        // Only the stored entry's task is ever started, however many callers raced to add one.
        return await entry.Result.Value.WaitAsync(cancellationToken);
    }

    private Entry Start(SpendRequest request, DateTimeOffset now)
    {
        var ttl = TimeSpan.FromSeconds(request.To > now.AddHours(-1) ? options.Value.LiveViewCacheSeconds : options.Value.ViewCacheSeconds);
        return new Entry(new Lazy<Task<SpendResult>>(() => Task.Run(() => query.RunAsync(request, CancellationToken.None))), now + ttl);
    }

    private void Trim(DateTimeOffset now)
    {
        var stale = _entries.Where(e => e.Value.Expires <= now || !e.Key.StartsWith(version.Current + "#", StringComparison.Ordinal)).Select(e => e.Key).ToList();
        foreach (var key in stale)
        {
            _entries.TryRemove(key, out _);
        }

        logger.LogDebug("Spend view cache trimmed {Count} entries, {Left} left", stale.Count, _entries.Count);
        if (_entries.Count > MaxEntries)
        {
            _entries.Clear();
        }
    }
}
