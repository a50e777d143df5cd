namespace CostConsole.Core.Ledger;

/// <summary>One raw sample of a counter series: when, and the value it had.</summary>
public readonly record struct CounterSample(DateTimeOffset Time, double Value);

/// <summary>
/// What reading one series found besides its deltas: samples that had to be ignored, and the hours where a gap in the
/// series could have hidden a restart that no signal confirms (read as no reset: those hours may undercount).
/// </summary>
public sealed record DeltaIssues(int NaNSamples, int NegativeSamples, IReadOnlySet<long> AmbiguousHours);

/// <summary>
/// Exact per-hour increases of one counter series from its raw samples. Pure code: no Prometheus, no database.
/// <list type="bullet">
/// <item>The baseline of an hour is the last sample before it; a series with no earlier sample counts its first from zero.</item>
/// <item>A decrease, or a restart of the series' target (<see cref="RestartSignals"/>), is a reset: the new value counts from zero.</item>
/// <item>Each delta belongs to the hour of the sample that revealed it; NaN, infinite, negative and over-2^53 samples are skipped.</item>
/// </list>
/// </summary>
public static class CounterDeltas
{
    private static readonly IReadOnlySet<long> NoHours = new HashSet<long>();

    /// <summary>
    /// 2^53: above it a double no longer holds every whole number, so a token count there is not exact (and a sum of a few
    /// would overflow the ledger's 64-bit totals). Such samples are skipped with NaN ones, never stored.
    /// </summary>
    public const double MaxExact = 9_007_199_254_740_992d;

    public static (Dictionary<long, double> ByHour, DeltaIssues Issues) Hourly(
        IReadOnlyList<CounterSample> samples,
        DateTimeOffset from,
        DateTimeOffset to,
        RestartSignals? restarts = null)
    {
        var byHour = new Dictionary<long, double>();
        HashSet<long>? ambiguous = null;
        int nan = 0, negative = 0;
        CounterSample? previous = null;
        foreach (var sample in samples)
        {
            if (double.IsNaN(sample.Value) || double.IsInfinity(sample.Value) || sample.Value > MaxExact)
            {
                nan++;
                continue;
            }

            if (sample.Value < 0)
            {
                negative++;
                continue;
            }

            if (sample.Time >= from && sample.Time < to)
            {
                var verdict = previous is null || restarts is null ? RestartVerdict.NoSign : restarts.Between(previous.Value.Time, sample.Time);
                var reset = previous is null || sample.Value < previous.Value.Value || verdict == RestartVerdict.Restarted;
                if (!reset && verdict == RestartVerdict.Ambiguous)
                {
                    (ambiguous ??= []).Add(HourOf(sample.Time));
                }

                var delta = reset ? sample.Value : sample.Value - previous!.Value.Value;
                if (delta != 0)
                {
                    var hour = HourOf(sample.Time);
                    byHour[hour] = byHour.GetValueOrDefault(hour) + delta;
                }
            }

            if (sample.Time >= to)
            {
                break;
            }

            previous = sample;
        }

        return (byHour, new DeltaIssues(nan, negative, ambiguous ?? NoHours));
    }

    public static long HourOf(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        return seconds - (((seconds % 3600) + 3600) % 3600);
    }
}
