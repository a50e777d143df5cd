using System.Globalization;

namespace CostConsole.Core.Spend;

/// <summary>A window of whole UTC hours with the words a page shows for it.</summary>
public sealed record Period(DateTimeOffset From, DateTimeOffset To, string Label)
{
    public TimeSpan Length => To - From;
}

/// <summary>
/// Turns presets and calendar dates in a user's time zone into windows of whole UTC hours. Local midnight is taken
/// to the UTC hour it falls in: exact for zones with whole-hour offsets, up to 45 minutes early for the others
/// (the ledger is hourly). Windows never reach past the end of the current hour.
/// </summary>
public static class SpendPeriods
{
    public const string Today = "today";
    public const string Yesterday = "yesterday";
    public const string Last7Days = "last7";
    public const string ThisMonth = "this-month";
    public const string LastMonth = "last-month";
    public const string Custom = "custom";

    public static IReadOnlyList<(string Id, string Title)> Presets { get; } =
    [
        (Today, "Today"), (Yesterday, "Yesterday"), (Last7Days, "Last 7 days"), (ThisMonth, "This month"), (LastMonth, "Last month"), (Custom, "Custom"),
    ];

    public static DateOnly LocalToday(DateTimeOffset now, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);

    /// <summary>The UTC hour in which local midnight of <paramref name="day"/> falls.</summary>
    public static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A midnight skipped by a clock change starts the day at the first hour that exists.
        while (zone.IsInvalidTime(local)) local = local.AddHours(1);
        var utc = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
        return new DateTimeOffset(utc.UtcTicks - utc.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
    }

    /// <summary>The end of the hour now is in: the latest a window may reach.</summary>
    public static DateTimeOffset Horizon(DateTimeOffset now) => new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero).AddHours(1);

    /// <summary>The window of a preset, or of custom local dates (both inclusive). Returns a message when they make no window.</summary>
    public static (Period? Period, string? Problem) Resolve(string? preset, DateOnly? from, DateOnly? to, TimeZoneInfo zone, DateTimeOffset now, int maxDays)
    {
        var today = LocalToday(now, zone);
        var horizon = Horizon(now);
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        Period Window(DateOnly first, DateOnly last, string label)
        {
            var end = StartOf(last.AddDays(1), zone);
            return new Period(StartOf(first, zone), end < horizon ? end : horizon, label);
        }

        switch (preset ?? ThisMonth)
        {
            case Today: return (Window(today, today, "Today"), null);
            case Yesterday: return (Window(today.AddDays(-1), today.AddDays(-1), "Yesterday"), null);
            case Last7Days: return (Window(today.AddDays(-6), today, "Last 7 days"), null);
            case ThisMonth: return (Window(monthStart, today, monthStart.ToString("MMMM yyyy", CultureInfo.InvariantCulture) + " to date"), null);
            case LastMonth:
                var previous = monthStart.AddMonths(-1);
                return (Window(previous, monthStart.AddDays(-1), previous.ToString("MMMM yyyy", CultureInfo.InvariantCulture)), null);
            case Custom:
                if (from is not { } first || to is not { } last)
                {
                    return (null, "A custom range needs both a start and an end date.");
                }

                if (last < first)
                {
                    return (null, $"The end date {last:yyyy-MM-dd} is before the start date {first:yyyy-MM-dd}.");
                }

                if (first > today)
                {
                    return (null, $"The range starts on {first:yyyy-MM-dd}, after today ({today:yyyy-MM-dd} in {zone.Id}): there is no spend yet.");
                }

                if (last.DayNumber - first.DayNumber + 1 > maxDays)
                {
                    return (null, $"The range is {last.DayNumber - first.DayNumber + 1} days; at most {maxDays} days can be shown at once.");
                }

                var label = first == last ? first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : $"{first:yyyy-MM-dd} – {last:yyyy-MM-dd}";
                return (Window(first, last > today ? today : last, label), null);
            default:
                return (null, $"Unknown range '{preset}'. Use one of: {string.Join(", ", Presets.Select(p => p.Id))}.");
        }
    }

    /// <summary>
    /// The period a figure is compared with: the same days of last month for month to date, the day before for a
    /// day, and otherwise the window of the same length just before.
    /// </summary>
    public static Period PreviousOf(Period period, string preset, TimeZoneInfo zone, DateTimeOffset now)
    {
        var today = LocalToday(now, zone);
        switch (preset)
        {
            case ThisMonth:
            {
                var start = StartOf(new DateOnly(today.Year, today.Month, 1).AddMonths(-1), zone);
                var end = start + period.Length;
                var cap = StartOf(new DateOnly(today.Year, today.Month, 1), zone);
                return new Period(start, end < cap ? end : cap, "same days of last month");
            }

            case Today:
            {
                var start = StartOf(today.AddDays(-1), zone);
                return new Period(start, start + period.Length, "same hours yesterday");
            }

            case Yesterday:
                return new Period(StartOf(today.AddDays(-2), zone), StartOf(today.AddDays(-1), zone), "the day before");
            case LastMonth:
            {
                var start = StartOf(new DateOnly(today.Year, today.Month, 1).AddMonths(-2), zone);
                return new Period(start, StartOf(new DateOnly(today.Year, today.Month, 1).AddMonths(-1), zone), "the month before");
            }

            default:
                return new Period(period.From - period.Length, period.From, "the period before");
        }
    }

    /// <summary>A time zone by IANA id, or null with nothing thrown for ids this machine does not know.</summary>
    public static TimeZoneInfo? FindZone(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= 64 && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;

    /// <summary>Zones offered in pickers; any other IANA id works through the URL.</summary>
    public static IReadOnlyList<string> CommonZones { get; } =
    [
        "UTC", "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Sao_Paulo",
        "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Helsinki", "Asia/Dubai", "Asia/Kolkata",
        "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney",
    ];
}
