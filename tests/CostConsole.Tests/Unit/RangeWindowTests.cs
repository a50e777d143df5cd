using CostConsole.Prometheus;

namespace CostConsole.Tests.Unit;

public sealed class RangeWindowTests
{
    private static readonly DateTimeOffset Base = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Start_is_floored_and_end_is_ceiled_to_the_step()
    {
        var window = RangeWindow.Create(Base.AddSeconds(17), Base.AddMinutes(59).AddSeconds(1), TimeSpan.FromMinutes(5));
        Assert.Equal(Base, window.Start);
        Assert.Equal(Base.AddHours(1), window.End);
        Assert.Equal(TimeSpan.FromMinutes(5), window.Step);
        Assert.Equal(13, window.Points);
    }

    [Fact]
    public void Already_aligned_bounds_stay_as_they_are()
    {
        var window = RangeWindow.Create(Base, Base.AddHours(2), TimeSpan.FromMinutes(1));
        Assert.Equal(Base, window.Start);
        Assert.Equal(Base.AddHours(2), window.End);
    }

    [Fact]
    public void Alignment_is_to_unix_time_whatever_the_offset_of_the_input()
    {
        var local = new DateTimeOffset(2026, 11, 2, 12, 7, 0, TimeSpan.FromHours(2));
        var window = RangeWindow.Create(local, local.AddMinutes(1), TimeSpan.FromHours(1));
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(TimeSpan.Zero, window.Start.Offset);
    }

    [Fact]
    public void A_window_over_eleven_thousand_points_gets_a_wider_step()
    {
        // 30 days at 60 s is 43,200 intervals: the step must grow to 4 minutes (10,800 intervals).
        var window = RangeWindow.Create(Base, Base.AddDays(30), TimeSpan.FromSeconds(60));
        Assert.Equal(TimeSpan.FromMinutes(4), window.Step);
        Assert.True((window.End - window.Start).Ticks / window.Step.Ticks <= RangeWindow.MaxPoints);
    }

    [Fact]
    public void Exactly_eleven_thousand_intervals_is_allowed()
    {
        var window = RangeWindow.Create(Base, Base.AddSeconds(11_000), TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), window.Step);
    }

    [Fact]
    public void Reversed_ranges_and_bad_steps_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RangeWindow.Create(Base, Base.AddHours(-1), TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RangeWindow.Create(Base, Base.AddHours(1), TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => RangeWindow.Create(Base, Base.AddHours(1), TimeSpan.FromMilliseconds(500)));
    }
}
