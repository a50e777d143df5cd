using CostConsole.Features.Ledger;
using CostConsole.Prometheus;

namespace CostConsole.Tests.Unit;

public sealed class CounterDeltasTests
{
    private static readonly DateTimeOffset H = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    private static CounterSample At(int minute, double value) => new(H.AddMinutes(minute), value);

    private static Dictionary<long, double> Hourly(IReadOnlyList<CounterSample> samples, DateTimeOffset? from = null, DateTimeOffset? to = null, Func<DateTimeOffset, double?>? start = null) =>
        CounterDeltas.Hourly(samples, from ?? H, to ?? H.AddHours(2), start).ByHour;

    private static long Hour(int offset) => H.AddHours(offset).ToUnixTimeSeconds();

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
        double? Start(DateTimeOffset t) => t < H.AddMinutes(15) ? 1.0 : 2.0;

        var deltas = Hourly([At(-1, 100), At(10, 200), At(20, 250)], start: Start);

        Assert.Equal(100 + 250, deltas[Hour(0)]);
    }

    [Fact]
    public void Samples_outside_the_window_only_serve_as_baseline()
    {
        var deltas = Hourly([At(-30, 10), At(-1, 20), At(30, 25), At(130, 99)], to: H.AddHours(1));

        Assert.Equal([Hour(0)], deltas.Keys);
        Assert.Equal(5, deltas[Hour(0)]);
    }

    [Fact]
    public void NaN_and_negative_samples_are_skipped_and_reported()
    {
        var (deltas, issues) = CounterDeltas.Hourly([At(1, 10), At(2, double.NaN), At(3, -5), At(4, 12)], H, H.AddHours(1));

        Assert.Equal(12, deltas[Hour(0)]);
        Assert.Equal(new DeltaIssues(1, 1), issues);
    }

    [Fact]
    public void Hour_of_floors_to_the_utc_hour()
    {
        Assert.Equal(Hour(0), CounterDeltas.HourOf(H.AddMinutes(59).AddSeconds(59)));
        Assert.Equal(Hour(1), CounterDeltas.HourOf(H.AddHours(1)));
    }
}
