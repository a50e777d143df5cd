namespace CostConsole.Core.Ledger;

/// <summary>What the restart signals say happened to a target's process between two samples of one of its counters.</summary>
public enum RestartVerdict
{
    /// <summary>Nothing says the process restarted (or a start time or instance id says it did not).</summary>
    NoSign,

    /// <summary>A signal says it restarted: the later sample counts from zero.</summary>
    Restarted,

    /// <summary>
    /// The series has a gap while its target was down or unknown: the process may have restarted, or the scrapes may
    /// just have failed. Read conservatively (no reset) and flag the hour.
    /// </summary>
    Ambiguous,
}

/// <summary>
/// Every restart signal Prometheus holds for one scrape target (job and instance), read in this order:
/// <list type="number">
/// <item><c>process_start_time_seconds</c>: a different start time is a restart, the same one proves there was none.</item>
/// <item><c>target_info</c>'s <c>service_instance_id</c> (OTel SDKs that set it give each process its own): likewise.</item>
/// <item>A gap in the series (no sample for longer than two scrape intervals) while <c>up</c> was 1: the target was
/// scraped but no longer exposed the series, which exporters only do after a restart.</item>
/// <item>A gap while <c>up</c> was 0 or unknown: ambiguous — a failed scrape leaves the counter above its last value
/// just as a restart with more tokens since would.</item>
/// </list>
/// A decrease is a reset whatever the signals say (<see cref="CounterDeltas"/>). Pure code: samples in, verdict out.
/// </summary>
public sealed class RestartSignals
{
    private readonly CounterSample[] _starts;
    private readonly (DateTimeOffset Time, string Id)[] _instanceIds;
    private readonly CounterSample[] _up;
    private readonly TimeSpan _gap;

    /// <param name="starts">process_start_time_seconds samples of the target, oldest first (may be empty).</param>
    /// <param name="instanceIds">target_info samples of the target: when each service_instance_id was seen (may be empty).</param>
    /// <param name="up">up samples of the target (may be empty).</param>
    /// <param name="scrapeInterval">The target's scrape interval; null to estimate it from the up samples (else 60 s).</param>
    public RestartSignals(IEnumerable<CounterSample> starts, IEnumerable<(DateTimeOffset Time, string Id)> instanceIds, IEnumerable<CounterSample> up, TimeSpan? scrapeInterval = null)
    {
        _starts = [.. starts.OrderBy(s => s.Time)];
        _instanceIds = [.. instanceIds.Where(i => i.Id.Length > 0).OrderBy(i => i.Time)];
        _up = [.. up.OrderBy(s => s.Time)];
        var interval = scrapeInterval ?? MedianInterval(_up) ?? TimeSpan.FromSeconds(60);
        _gap = interval * 2 + TimeSpan.FromSeconds(1);
    }

    public static RestartSignals None { get; } = new([], [], []);

    /// <summary>Whether this target has a signal that tells a restart apart from a pause (a start time or an instance id).</summary>
    public bool Reliable => _starts.Length > 0 || _instanceIds.Length > 0;

    public RestartVerdict Between(DateTimeOffset previous, DateTimeOffset next)
    {
        if (Last(_starts, previous) is { } startBefore && Last(_starts, next) is { } startAfter)
        {
            return startBefore.Value != startAfter.Value ? RestartVerdict.Restarted : RestartVerdict.NoSign;
        }

        if (LastId(previous) is { } idBefore && LastId(next) is { } idAfter)
        {
            return idBefore != idAfter ? RestartVerdict.Restarted : RestartVerdict.NoSign;
        }

        if (next - previous <= _gap)
        {
            return RestartVerdict.NoSign;
        }

        var scraped = false;
        foreach (var sample in _up)
        {
            if (sample.Time <= previous) continue;
            if (sample.Time >= next) break;
            if (sample.Value == 0) return RestartVerdict.Ambiguous;
            scraped = true;
        }

        return scraped ? RestartVerdict.Restarted : RestartVerdict.Ambiguous;
    }

    private static CounterSample? Last(CounterSample[] samples, DateTimeOffset time)
    {
        CounterSample? found = null;
        foreach (var sample in samples)
        {
            if (sample.Time > time) break;
            found = sample;
        }

        return found;
    }

    private string? LastId(DateTimeOffset time)
    {
        string? found = null;
        foreach (var (at, id) in _instanceIds)
        {
            if (at > time) break;
            found = id;
        }

        return found;
    }

    private static TimeSpan? MedianInterval(CounterSample[] samples)
    {
        if (samples.Length < 3) return null;
        var gaps = samples.Zip(samples.Skip(1), (a, b) => b.Time - a.Time).Order().ToArray();
        return gaps[gaps.Length / 2];
    }
}
