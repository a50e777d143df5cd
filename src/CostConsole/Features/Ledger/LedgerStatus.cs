namespace CostConsole.Features.Ledger;

public enum LedgerState
{
    Idle,
    CatchingUp,
    Failing,
}

/// <summary>How far the ledger is, for the pages, /readyz and the API's <c>ledgerThrough</c>. Updated by the ingestor.</summary>
public sealed class LedgerStatus
{
    private readonly Lock _gate = new();

    public LedgerState State { get; private set; } = LedgerState.Idle;
    public DateTimeOffset? Through { get; private set; }
    public DateTimeOffset? SyncFrom { get; private set; }
    public DateTimeOffset? SyncUntil { get; private set; }
    public int HoursDone { get; private set; }
    public int HoursTotal { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset? LastSuccessUtc { get; private set; }

    /// <summary>The latest correction a re-read made: which hour, how many tokens late samples changed, and when.</summary>
    public (DateTimeOffset Hour, long Tokens, DateTimeOffset At)? LastCorrection { get; private set; }

    /// <summary>The latest read split into parts because one answer would have passed the caps: metric, parts, label.</summary>
    public (string Metric, int Parts, string Label, DateTimeOffset At)? LastSplit { get; private set; }

    /// <summary>The process' peak resident memory (its high-water mark) as last sampled after a chunk.</summary>
    public long PeakMemoryBytes { get; private set; }

    public void Split(string metric, int parts, string label, DateTimeOffset at) => Update(() => LastSplit = (metric, parts, label, at));

    /// <summary>Samples the process' memory high-water mark (Linux VmHWM; the peak working set elsewhere).</summary>
    public void SampleMemory()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var peak = process.PeakWorkingSet64;
        lock (_gate) PeakMemoryBytes = Math.Max(PeakMemoryBytes, peak);
    }

    public double Progress => HoursTotal == 0 ? 1 : (double)HoursDone / HoursTotal;

    public event Action? Changed;

    public void Started(DateTimeOffset from, DateTimeOffset until, int hours) =>
        Update(() => (State, SyncFrom, SyncUntil, HoursDone, HoursTotal) = (LedgerState.CatchingUp, from, until, 0, hours));

    public void Advanced(DateTimeOffset through, int hoursDone, DateTimeOffset now) =>
        Update(() => (Through, HoursDone, LastSuccessUtc, LastError) = (through, hoursDone, now, null));

    public void Finished(DateTimeOffset? through) => Update(() =>
    {
        State = LedgerState.Idle;
        Through = through ?? Through;
    });

    public void Failed(string error) => Update(() => (State, LastError) = (LedgerState.Failing, error));

    public void Known(DateTimeOffset? through) => Update(() => Through = through);

    /// <summary>The replica writing the ledger (null: none holds the lease right now), and whether it is this one.</summary>
    public string? WriterReplica { get; private set; }

    public bool WritesHere { get; private set; } = true;

    public void Writer(string? replica, bool writing) => Update(() => (WriterReplica, WritesHere) = (replica, writing));

    public void Corrected(DateTimeOffset hour, long tokens, DateTimeOffset at) => Update(() => LastCorrection = (hour, tokens, at));

    /// <summary>Per dimension, how many distinct values the last reads counted under "(other)" because the dimension was full.</summary>
    public IReadOnlyDictionary<string, int> FoldedValues { get; private set; } = new Dictionary<string, int>();

    /// <summary>Per dimension, how many distinct values the last reads cut for length.</summary>
    public IReadOnlyDictionary<string, int> CutValues { get; private set; } = new Dictionary<string, int>();

    public void Guarded(IReadOnlyDictionary<string, int> folded, IReadOnlyDictionary<string, int> cut)
    {
        if (folded.Count == 0 && cut.Count == 0) return;
        Update(() => (FoldedValues, CutValues) = (Merge(FoldedValues, folded), Merge(CutValues, cut)));
    }

    private static Dictionary<string, int> Merge(IReadOnlyDictionary<string, int> a, IReadOnlyDictionary<string, int> b) =>
        a.Keys.Union(b.Keys).ToDictionary(k => k, k => Math.Max(a.GetValueOrDefault(k), b.GetValueOrDefault(k)));

    private void Update(Action change)
    {
        lock (_gate)
        {
            change();
        }

        Changed?.Invoke();
    }
}
