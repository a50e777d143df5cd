namespace CostConsole.Tests.Shared;

/// <summary>One raw sample of one counter series, as a scrape stored it.</summary>
public readonly record struct RawSample(string Series, string Instance, long TimeSeconds, double Value, double ProcessStart);

/// <summary>
/// A deliberately simple, exact reader of raw counter samples, used as a reference in tests: a series' first sample
/// counts from zero; a decrease, or a new process start time of its instance, is a reset; each delta belongs to the
/// hour of the sample that revealed it.
/// </summary>
public static class ReferenceReader
{
    public static Dictionary<(long HourSeconds, string Series), double> HourlyDeltas(IEnumerable<RawSample> samples)
    {
        var result = new Dictionary<(long, string), double>();
        foreach (var series in samples.GroupBy(s => s.Series))
        {
            RawSample? previous = null;
            foreach (var sample in series.OrderBy(s => s.TimeSeconds))
            {
                var reset = previous is null || sample.Value < previous.Value.Value || sample.ProcessStart != previous.Value.ProcessStart;
                var delta = reset ? sample.Value : sample.Value - previous!.Value.Value;
                var key = (sample.TimeSeconds - sample.TimeSeconds % 3600, series.Key);
                result[key] = result.GetValueOrDefault(key) + delta;
                previous = sample;
            }
        }

        return result;
    }
}
