using CostConsole.Features.Budgets;
using CostConsole.Features.Digests;
using CostConsole.Features.Spend;

namespace CostConsole.Tests.Unit;

public sealed class DigestScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Theory]
    [InlineData(8, 0, DigestDays.EveryDay, "0 8 * * *")]
    [InlineData(18, 45, DigestDays.Weekdays, "45 18 * * 1-5")]
    [InlineData(0, 5, DigestDays.EveryDay, "5 0 * * *")]
    public void The_cron_expression_is_the_local_time_and_days(int hour, int minute, DigestDays days, string cron) =>
        Assert.Equal(cron, DigestSchedule.Cron(new TimeOnly(hour, minute), days));

    [Fact]
    public void The_latest_due_digest_is_todays_after_the_local_time_and_yesterdays_before_it()
    {
        var at = new TimeOnly(8, 0);
        // 07:59 and 08:00 in Berlin (UTC+1 in November).
        Assert.Equal(new DateOnly(2026, 11, 23), DigestSchedule.LatestDue(at, DigestDays.EveryDay, Berlin, new DateTimeOffset(2026, 11, 24, 6, 59, 0, TimeSpan.Zero)));
        Assert.Equal(new DateOnly(2026, 11, 24), DigestSchedule.LatestDue(at, DigestDays.EveryDay, Berlin, new DateTimeOffset(2026, 11, 24, 7, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Weekday_digests_skip_the_weekend_in_the_subscribers_zone()
    {
        var at = new TimeOnly(9, 0);
        // Monday 2026-11-23 at 06:00 New York: the latest weekday digest is Friday the 20th's.
        var mondayMorning = new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateOnly(2026, 11, 20), DigestSchedule.LatestDue(at, DigestDays.Weekdays, NewYork, mondayMorning));
        Assert.Equal(new DateOnly(2026, 11, 22), DigestSchedule.LatestDue(at, DigestDays.EveryDay, NewYork, mondayMorning));
        // Saturday noon New York: the next weekday digest is Monday's, at 14:00 UTC.
        var (date, dueAt) = DigestSchedule.NextDue(at, DigestDays.Weekdays, NewYork, new DateTimeOffset(2026, 11, 21, 17, 0, 0, TimeSpan.Zero));
        Assert.Equal((new DateOnly(2026, 11, 23), new DateTimeOffset(2026, 11, 23, 14, 0, 0, TimeSpan.Zero)), (date, dueAt));
    }

    [Fact]
    public void A_local_time_skipped_by_the_clock_change_moves_to_the_first_that_exists()
    {
        // Berlin skips 02:00–03:00 on 2026-03-29: a 02:30 digest goes at 03:00 local, 01:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), DigestSchedule.DueAt(new TimeOnly(2, 30), new DateOnly(2026, 3, 29), Berlin));
        // And on an ordinary day 02:30 local is 01:30 UTC in winter.
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 1, 30, 0, TimeSpan.Zero), DigestSchedule.DueAt(new TimeOnly(2, 30), new DateOnly(2026, 3, 28), Berlin));
    }

    private static readonly IReadOnlyDictionary<int, string> Teams = new Dictionary<int, string> { [1] = "search", [2] = "growth" };

    [Theory]
    [InlineData("1", "08:00", "UTC", "weekdays", null)]
    [InlineData("org", "23:59", "Asia/Kolkata", null, "Only Finance and Admins can receive the org-wide digest")]
    [InlineData("3", "08:00", "UTC", null, "You do not manage team 3; you can subscribe to growth, search.")]
    [InlineData("", "08:00", "UTC", null, "Choose what the digest covers: a team you manage.")]
    [InlineData("1", "24:00", "UTC", null, "'24:00' is not a time of day between 00:00 and 23:59")]
    [InlineData("1", "08:00:30", "UTC", null, "'08:00:30' is not a time of day")]
    [InlineData("1", "08:00", "Berlin", null, "'Berlin' is not a known time zone")]
    [InlineData("1", "08:00", "UTC", "fortnightly", "Days 'fortnightly' is not 'everyday' or 'weekdays'.")]
    [InlineData("1; DROP TABLE", "08:00", "UTC", null, "'1; DROP TABLE' is not a team id or 'org'.")]
    public void A_manager_may_choose_only_their_teams_and_real_times_and_zones(string scope, string time, string zone, string? days, string? error)
    {
        var (choice, errors) = SubscriptionValidation.Check(new SubscriptionDraft(scope, time, zone, days), Teams, mayOrg: false);

        if (error is null)
        {
            Assert.Empty(errors);
            Assert.Equal(new SubscriptionChoice(1, new TimeOnly(8, 0), "UTC", DigestDays.Weekdays), choice);
        }
        else
        {
            Assert.Null(choice);
            Assert.Contains(errors, e => e.Contains(error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Finance_may_choose_the_org()
    {
        var (choice, errors) = SubscriptionValidation.Check(new SubscriptionDraft("ORG", "7:05", "America/New_York", "everyday"), new Dictionary<int, string>(), mayOrg: true);

        Assert.Empty(errors);
        Assert.Equal(new SubscriptionChoice(null, new TimeOnly(7, 5), "America/New_York", DigestDays.EveryDay), choice);
    }
}

public sealed class DigestRendererTests
{
    private static DigestContent Digest(decimal yesterday, decimal weekBefore, long tokens, string feature = "search", bool noData = false)
    {
        var day = new DateOnly(2026, 11, 23);
        var from = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var outlook = BurnProjection.Project(new BurnInput(from.AddDays(1).AddTicks(-1), 600m, 48m, 336m, 2m, 1000m));
        return new DigestContent("growth", "growth", day.AddDays(1), TimeZoneInfo.Utc, new Period(from, from.AddDays(1), ""), new Period(from.AddDays(-7), from.AddDays(-6), ""),
            noData, yesterday, weekBefore, tokens, 0, [], new TeamOutlook(2, "growth", null, outlook, [50, 80, 100], false),
            [new DigestMover(feature, yesterday, weekBefore, false)], [new DigestMover(feature, yesterday, weekBefore, false)], [], [], [], [], [], null, null);
    }

    [Fact]
    public void The_subject_and_headline_state_the_day_the_spend_and_the_change()
    {
        var digest = Digest(120m, 100m, 5_000);

        Assert.Equal("[CostConsole] growth: $120.00 on Mon Nov 23 (+20.0% vs a week before)", DigestRenderer.Subject(digest));
        Assert.Equal("growth spent $120.00 on Mon, Nov 23 2026 (UTC), +$20.00 (+20.0%) against $100.00 on Mon, Nov 16 2026.", DigestRenderer.Headline(digest));
        Assert.Contains("Month to date (November 2026, UTC): $600.00 of $1,000.00 (60.0% used)", DigestRenderer.Text(digest));
    }

    [Fact]
    public void A_day_without_tokens_is_a_short_no_spend_digest_and_a_day_without_data_says_unknown()
    {
        var none = Digest(0m, 0m, 0);
        var unknown = Digest(0m, 0m, 0, noData: true);

        Assert.Equal("[CostConsole] growth: no spend recorded on Mon Nov 23", DigestRenderer.Subject(none));
        Assert.DoesNotContain("Top features", DigestRenderer.Text(none));
        Assert.Equal("[CostConsole] growth: no figures for Mon Nov 23", DigestRenderer.Subject(unknown));
        Assert.Contains("unknown, not zero", DigestRenderer.Html(unknown));
    }

    [Fact]
    public void Hostile_label_values_are_encoded_in_html_and_flattened_in_text()
    {
        var digest = Digest(10m, 5m, 100, feature: "<img src=x onerror=alert(1)>\r\nBcc: victim@example.test");

        var html = DigestRenderer.Html(digest);
        var text = DigestRenderer.Text(digest);

        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\nBcc:", text);
    }
}
