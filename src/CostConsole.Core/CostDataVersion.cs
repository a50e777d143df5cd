namespace CostConsole.Core;

/// <summary>
/// The one change signal of what costs are computed from: bumped by the ledger when it writes hours and by pricing
/// when a price changes; the spend view cache keys on it, so no view is served stale past a change.
/// </summary>
public sealed class CostDataVersion
{
    private long _version;

    public long Current => Interlocked.Read(ref _version);

    public void Bump() => Interlocked.Increment(ref _version);
}
