using CostConsole.Features.Ledger;
using CostConsole.Prometheus;

namespace CostConsole.Tests.Unit;

public sealed class CounterDeltasTests
{
    private static readonly DateTimeOffset H = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    private static CounterSample At(int minute, double value) => new(H.AddMinutes(minute), value);

    private static Dictionary<long, double> Hourly(IReadOnlyList<CounterSample> samples, DateTimeOffset? from = null, DateTimeOffset? to = null, RestartSignals? restarts = null) =>
        CounterDeltas.Hourly(samples, from ?? H, to ?? H.AddHours(2), restarts).ByHour;

    /// <summary>up=1 every minute of the two hours, except where <paramref name="down"/> says.</summary>
    private static IEnumerable<CounterSample> Up(Func<int, bool>? down = null) =>
        Enumerable.Range(-5, 130).Select(m => At(m, down?.Invoke(m) == true ? 0 : 1));

    private static long Hour(int offset) => H.AddHours(offset).ToUnixTimeSeconds();

    /// <summary>A sample a minute from minute -1 (100) to minute 10 (200).</summary>
    private static IEnumerable<CounterSample> UntilMinute10() => Enumerable.Range(-1, 12).Select(m => At(m, m < 0 ? 100 : 100 + m * 10));

    [Fact]
    public void The_baseline_is_the_last_sample_before_the_hour()
    {
        var deltas = Hourly([At(-1, 100), At(1, 130), At(59, 150), At(61, 175)]);

        Assert.Equal(50, deltas[Hour(0)]);
        Assert.Equal(25, deltas[Hour(1)]);
    }

    [Fact]
    public void A_series_first_ever_sample_counts_from_zero()
    {
        var deltas = Hourly([At(5, 40), At(6, 45)]);
        Assert.Equal(45, deltas[Hour(0)]);
    }

    [Fact]
    public void A_decrease_is_a_reset_and_the_new_value_counts_whole()
    {
        var deltas = Hourly([At(-1, 1000), At(10, 1200), At(20, 30), At(30, 80)]);
        Assert.Equal(200 + 30 + 50, deltas[Hour(0)]);
    }

    [Fact]
    public void A_new_process_start_is_a_reset_even_when_the_value_grew()
    {
        // The series restarted at minute 15 and reached 250 by its next sample: without the start time that looks like +50.
        var starts = new RestartSignals([At(-5, 1.0), At(10, 1.0), At(15, 2.0), At(20, 2.0)], [], []);

        var deltas = Hourly([At(-1, 100), At(10, 200), At(20, 250)], restarts: starts);

        Assert.Equal(100 + 250, deltas[Hour(0)]);
    }

    [Fact]
    public void A_new_service_instance_id_is_a_reset_even_when_the_value_grew()
    {
        // No start time (the OTel exporters have none); target_info changes its service_instance_id at minute 15.
        var ids = new RestartSignals([], [(At(-5, 0).Time, "a"), (At(10, 0).Time, "a"), (At(16, 0).Time, "b"), (At(20, 0).Time, "b")], Up());

        Assert.Equal(100 + 250, Hourly([At(-1, 100), At(10, 200), At(20, 250)], restarts: ids)[Hour(0)]);
        // The same id on both sides proves there was no restart, even across a gap.
        var same = new RestartSignals([], [(At(-5, 0).Time, "a"), (At(30, 0).Time, "a")], Up(m => m is > 10 and < 20));
        Assert.Equal(100 + 50, Hourly([At(-1, 100), At(10, 200), At(20, 250)], restarts: same)[Hour(0)]);
    }

    [Fact]
    public void A_gap_while_the_target_kept_being_scraped_is_a_restart()
    {
        // The series vanished at minute 11 and came back at 20 at or above its last value; up stayed 1 all along.
        var (deltas, issues) = CounterDeltas.Hourly([.. UntilMinute10(), At(20, 250), At(21, 260)], H, H.AddHours(2), new RestartSignals([], [], Up()));

        Assert.Equal(100 + 250 + 10, deltas[Hour(0)]);
        Assert.Empty(issues.AmbiguousHours);
    }

    [Fact]
    public void A_gap_while_the_target_was_down_is_read_without_a_reset_and_flags_the_hour()
    {
        // up was 0 from minute 11 to 19: a failed scrape and a restart look the same. Counting 250 as new would double
        // count if it was only a pause, so the hour keeps the smaller reading (+50) and is flagged.
        var down = new RestartSignals([], [], Up(m => m is > 10 and < 20));
        var (deltas, issues) = CounterDeltas.Hourly([.. UntilMinute10(), At(20, 250)], H, H.AddHours(2), down);

        Assert.Equal(100 + 50, deltas[Hour(0)]);
        Assert.Equal([Hour(0)], issues.AmbiguousHours);
        Assert.False(down.Reliable);

        // A decrease is a reset whatever the signals say, and is not ambiguous.
        var (fell, fellIssues) = CounterDeltas.Hourly([.. UntilMinute10(), At(20, 40)], H, H.AddHours(2), down);
        Assert.Equal(100 + 40, fell[Hour(0)]);
        Assert.Empty(fellIssues.AmbiguousHours);
    }

    [Fact]
    public void Samples_a_scrape_interval_apart_are_never_a_gap()
    {
        var (deltas, issues) = CounterDeltas.Hourly([At(-1, 100), At(0, 110), At(1, 120), At(2, 130)], H, H.AddHours(2), new RestartSignals([], [], []));
        Assert.Equal(30, deltas[Hour(0)]);
        Assert.Empty(issues.AmbiguousHours);
    }

    [Fact]
    public void Samples_outside_the_window_only_serve_as_baseline()
    {
        var deltas = Hourly([At(-30, 10), At(-1, 20), At(30, 25), At(130, 99)], to: H.AddHours(1));

        Assert.Equal([Hour(0)], deltas.Keys);
        Assert.Equal(5, deltas[Hour(0)]);
    }

    [Fact]
    public void Samples_past_exact_float_range_are_skipped_like_NaN_so_no_total_overflows()
    {
        var (deltas, issues) = CounterDeltas.Hourly([At(1, 10), At(2, 1e234), At(3, double.PositiveInfinity), At(4, 12)], H, H.AddHours(1));

        Assert.Equal(12, deltas[Hour(0)]);
        Assert.Equal(2, issues.NaNSamples);
    }

    [Fact]
    public void NaN_and_negative_samples_are_skipped_and_reported()
    {
        var (deltas, issues) = CounterDeltas.Hourly([At(1, 10), At(2, double.NaN), At(3, -5), At(4, 12)], H, H.AddHours(1));

        Assert.Equal(12, deltas[Hour(0)]);
        Assert.Equal((1, 1), (issues.NaNSamples, issues.NegativeSamples));
        Assert.Empty(issues.AmbiguousHours);
    }

    [Fact]
    public void Hour_of_floors_to_the_utc_hour()
    {
        Assert.Equal(Hour(0), CounterDeltas.HourOf(H.AddMinutes(59).AddSeconds(59)));
        Assert.Equal(Hour(1), CounterDeltas.HourOf(H.AddHours(1)));
    }
}
