namespace CostConsole.Core;

/// <summary>
/// The one change signal of what costs are computed from: bumped by the ledger when it writes hours and by pricing
/// when a price changes; the spend view cache keys on it, so no view is served stale past a change. With several
/// replicas, a local bump is also announced to the others (<see cref="Changed"/>), which apply it with
/// <see cref="BumpFromElsewhere"/>.
/// </summary>
public sealed class CostDataVersion
{
    private long _version;

    public long Current => Interlocked.Read(ref _version);

    /// <summary>Raised after each local change (not after one learned from another replica).</summary>
    public event Action? Changed;

    public void Bump()
    {
        Interlocked.Increment(ref _version);
        Changed?.Invoke();
    }

    /// <summary>Another replica changed the ledger or the prices: drop what was computed here before.</summary>
    public void BumpFromElsewhere() => Interlocked.Increment(ref _version);
}
