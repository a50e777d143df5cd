using CostConsole.Features.Spend;

namespace CostConsole.Tests.Unit;

public sealed class SpendPeriodsTests
{
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 14, 20, 0, TimeSpan.Zero);

    private static Period Resolve(string preset, TimeZoneInfo zone, DateOnly? from = null, DateOnly? to = null)
    {
        var (period, problem) = SpendPeriods.Resolve(preset, from, to, zone, Now, 400);
        Assert.Null(problem);
        return period!;
    }

    [Fact]
    public void Presets_in_utc_are_whole_days_and_stop_at_the_end_of_the_current_hour()
    {
        Assert.Equal((new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero)), (Resolve("today", Utc).From, Resolve("today", Utc).To));
        Assert.Equal((new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)), (Resolve("yesterday", Utc).From, Resolve("yesterday", Utc).To));
        Assert.Equal(new DateTimeOffset(2026, 11, 17, 0, 0, 0, TimeSpan.Zero), Resolve("last7", Utc).From);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), Resolve("this-month", Utc).From);
        var lastMonth = Resolve("last-month", Utc);
        Assert.Equal((new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)), (lastMonth.From, lastMonth.To));
    }

    [Fact]
    public void A_local_day_in_berlin_starts_at_the_utc_hour_of_local_midnight_across_the_clock_change()
    {
        // Berlin is UTC+1 in November and UTC+2 until the last Sunday of October.
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero), Resolve("today", Berlin).From);
        var october = Resolve("last-month", Berlin);
        Assert.Equal(new DateTimeOffset(2026, 9, 30, 22, 0, 0, TimeSpan.Zero), october.From);
        Assert.Equal(new DateTimeOffset(2026, 10, 31, 23, 0, 0, TimeSpan.Zero), october.To);
        Assert.Equal(TimeSpan.FromHours(31 * 24 + 1), october.Length);
    }

    [Fact]
    public void A_half_hour_zone_starts_its_day_at_the_hour_before_local_midnight()
    {
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        // Midnight in Kolkata is 18:30 UTC; the ledger is hourly, so the day starts at 18:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 18, 0, 0, TimeSpan.Zero), SpendPeriods.StartOf(new DateOnly(2026, 11, 23), kolkata));
    }

    [Theory]
    [InlineData("2026-11-10", null, "needs both a start and an end date")]
    [InlineData("2026-11-10", "2026-11-01", "is before the start date")]
    [InlineData("2026-12-01", "2026-12-05", "after today")]
    [InlineData("2025-01-01", "2026-11-01", "at most 400 days")]
    public void Custom_ranges_that_make_no_window_say_why(string from, string? to, string expected)
    {
        var (period, problem) = SpendPeriods.Resolve("custom", DateOnly.Parse(from), to is null ? null : DateOnly.Parse(to), Utc, Now, 400);

        Assert.Null(period);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void A_custom_range_reaching_past_today_ends_at_the_current_hour()
    {
        var period = Resolve("custom", Utc, new DateOnly(2026, 11, 20), new DateOnly(2026, 12, 31));

        Assert.Equal(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), period.From);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero), period.To);
    }

    [Fact]
    public void Month_to_date_compares_with_the_same_days_of_last_month_capped_at_its_end()
    {
        var march31 = new DateTimeOffset(2026, 3, 31, 10, 0, 0, TimeSpan.Zero);
        var (month, _) = SpendPeriods.Resolve("this-month", null, null, Utc, march31, 400);

        var previous = SpendPeriods.PreviousOf(month!, "this-month", Utc, march31);

        // 30 days and 11 hours of March against February, which has only 28 days.
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), previous.From);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), previous.To);
        var today = Resolve("today", Utc);
        Assert.Equal((today.From.AddDays(-1), today.To.AddDays(-1)), (SpendPeriods.PreviousOf(today, "today", Utc, Now).From, SpendPeriods.PreviousOf(today, "today", Utc, Now).To));
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    public void Unknown_time_zones_are_refused_without_throwing(string id) => Assert.Null(SpendPeriods.FindZone(id));
}
