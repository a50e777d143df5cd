namespace CostConsole.Features.Ledger;

/// <summary>Token deltas read from Prometheus for a span of hours, before they are written anywhere.</summary>
public sealed record ChunkTotals(Dictionary<(long Hour, Dimensions Dims, TokenType Type), double> Totals, int Series, long Samples)
{
    /// <summary>The newest token sample read (baseline included): older than the chunk means nothing reported in it.</summary>
    public DateTimeOffset? LastSample { get; init; }
}

/// <summary>Raised when Prometheus answered but not completely: the hours are not recorded and are tried again.</summary>
public sealed class IncompleteAnswerException(string message) : Exception(message);
