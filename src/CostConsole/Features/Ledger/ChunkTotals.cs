namespace CostConsole.Features.Ledger;

/// <summary>Token deltas read from Prometheus for a span of hours, before they are written anywhere.</summary>
public sealed record ChunkTotals(Dictionary<(long Hour, Dimensions Dims, TokenType Type), double> Totals, int Series, long Samples)
{
    /// <summary>The newest token sample read (baseline included): older than the chunk means nothing reported in it.</summary>
    public DateTimeOffset? LastSample { get; init; }

    /// <summary>
    /// Per hour, how many series had a gap no signal explains (their target was down or unknown): read without a reset,
    /// so those hours may undercount if the process restarted (<see cref="RestartSignals"/>).
    /// </summary>
    public IReadOnlyDictionary<long, int> AmbiguousSeries { get; init; } = new Dictionary<long, int>();
}

/// <summary>Raised when Prometheus answered but not completely: the hours are not recorded and are tried again.</summary>
public sealed class IncompleteAnswerException(string message) : Exception(message);
