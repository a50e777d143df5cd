namespace CostConsole.Prometheus;

/// <summary>
/// A range query's window, aligned to its step so that equal views produce equal queries (and hit caches),
/// and never asking for more points than Prometheus allows in one query.
/// </summary>
public sealed record RangeWindow
{
    /// <summary>Prometheus refuses a range query whose (end - start) / step exceeds this.</summary>
    public const int MaxPoints = 11_000;

    private RangeWindow(DateTimeOffset start, DateTimeOffset end, TimeSpan step)
    {
        Start = start;
        End = end;
        Step = step;
    }

    public DateTimeOffset Start { get; }
    public DateTimeOffset End { get; }
    public TimeSpan Step { get; }

    public long Points => (long)((End - Start).Ticks / Step.Ticks) + 1;

    /// <summary>
    /// Aligns start down and end up to the step. When the window would need more than <see cref="MaxPoints"/>,
    /// the step is widened to the smallest multiple of the asked step that fits.
    /// </summary>
    public static RangeWindow Create(DateTimeOffset start, DateTimeOffset end, TimeSpan step)
    {
        if (step < TimeSpan.FromSeconds(1) || step.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be a whole number of seconds, at least 1 s.");
        }

        if (end < start)
        {
            throw new ArgumentException($"The range ends ({end:O}) before it starts ({start:O}).", nameof(end));
        }

        var alignedStart = Floor(start, step);
        var alignedEnd = Ceiling(end, step);
        var intervals = (alignedEnd - alignedStart).Ticks / step.Ticks;
        if (intervals > MaxPoints)
        {
            var factor = (intervals + MaxPoints - 1) / MaxPoints;
            return Create(start, end, TimeSpan.FromTicks(step.Ticks * factor));
        }

        return new RangeWindow(alignedStart, alignedEnd, step);
    }

    public static DateTimeOffset Floor(DateTimeOffset time, TimeSpan step)
    {
        var utc = time.ToUniversalTime();
        var unixTicks = utc.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var floored = unixTicks - Mod(unixTicks, step.Ticks);
        return DateTimeOffset.UnixEpoch.AddTicks(floored);
    }

    public static DateTimeOffset Ceiling(DateTimeOffset time, TimeSpan step)
    {
        var floored = Floor(time, step);
        return floored == time.ToUniversalTime() ? floored : floored.Add(step);
    }

    private static long Mod(long a, long b) => ((a % b) + b) % b;
}
