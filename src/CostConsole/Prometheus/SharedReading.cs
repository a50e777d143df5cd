namespace CostConsole.Prometheus;

/// <summary>
/// One reading shared by every caller for a short while: the first caller reads, the ones arriving meanwhile wait
/// for it, and later ones take it until it is older than <paramref name="keepFor"/>.
/// </summary>
public sealed class SharedReading<T>(TimeProvider time, TimeSpan keepFor, Func<T, DateTimeOffset> takenAt) where T : class
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private T? _last;

    public async Task<T> GetAsync(Func<CancellationToken, Task<T>> read, bool refresh = false, CancellationToken cancellationToken = default)
    {
        if (!refresh && Fresh() is { } fresh)
        {
            return fresh;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!refresh && Fresh() is { } again)
            {
                return again;
            }

            _last = await read(cancellationToken);
            return _last;
        }
        finally
        {
            _gate.Release();
        }
    }

    private T? Fresh() => _last is { } last && time.GetUtcNow() - takenAt(last) < keepFor ? last : null;
}
