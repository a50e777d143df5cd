namespace CostConsole.Core.Ledger;

/// <summary>One raw sample of a counter series: when, and the value it had.</summary>
public readonly record struct CounterSample(DateTimeOffset Time, double Value);

/// <summary>What reading one series found besides its deltas: samples that had to be ignored.</summary>
public sealed record DeltaIssues(int NaNSamples, int NegativeSamples);

/// <summary>
/// Exact per-hour increases of one counter series from its raw samples. Pure code: no Prometheus, no database.
/// <list type="bullet">
/// <item>The baseline of an hour is the last sample before it; a series with no earlier sample counts its first from zero.</item>
/// <item>A decrease, or a new process start time of the series' target, is a reset: the new value counts from zero.</item>
/// <item>Each delta belongs to the hour of the sample that revealed it; NaN and negative samples are skipped.</item>
/// </list>
/// </summary>
public static class CounterDeltas
{
    public static (Dictionary<long, double> ByHour, DeltaIssues Issues) Hourly(
        IReadOnlyList<CounterSample> samples,
        DateTimeOffset from,
        DateTimeOffset to,
        Func<DateTimeOffset, double?>? processStartAt = null)
    {
        var byHour = new Dictionary<long, double>();
        int nan = 0, negative = 0;
        CounterSample? previous = null;
        double? previousStart = null;
        foreach (var sample in samples)
        {
            if (double.IsNaN(sample.Value) || double.IsInfinity(sample.Value))
            {
                nan++;
                continue;
            }

            if (sample.Value < 0)
            {
                negative++;
                continue;
            }

            var start = processStartAt?.Invoke(sample.Time);
            if (sample.Time >= from && sample.Time < to)
            {
                var reset = previous is null
                            || sample.Value < previous.Value.Value
                            || (start is not null && previousStart is not null && start != previousStart);
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
            previousStart = start;
        }

        return (byHour, new DeltaIssues(nan, negative));
    }

    public static long HourOf(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        return seconds - (((seconds % 3600) + 3600) % 3600);
    }
}
