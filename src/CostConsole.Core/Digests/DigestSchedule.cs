using System.Globalization;
using CostConsole.Core.Spend;

namespace CostConsole.Core.Digests;

public enum DigestDays
{
    EveryDay,
    Weekdays,
}

/// <summary>When a subscription's digests fall due: pure arithmetic over its local time, zone and days.</summary>
public static class DigestSchedule
{
    /// <summary>The Hangfire cron expression, read in the subscription's own zone.</summary>
    public static string Cron(TimeOnly sendAt, DigestDays days) =>
        $"{sendAt.Minute} {sendAt.Hour} * * {(days == DigestDays.Weekdays ? "1-5" : "*")}";

    public static bool Occurs(DigestDays days, DateOnly localDate) =>
        days == DigestDays.EveryDay || localDate.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>The instant the digest of a local date is due. A local time skipped by a clock change moves to the first that exists.</summary>
    public static DateTimeOffset DueAt(TimeOnly sendAt, DateOnly localDate, TimeZoneInfo zone)
    {
        var local = localDate.ToDateTime(sendAt, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    /// <summary>The local date of the latest digest due at or before <paramref name="now"/>, looking back a week.</summary>
    public static DateOnly? LatestDue(TimeOnly sendAt, DigestDays days, TimeZoneInfo zone, DateTimeOffset now)
    {
        var today = SpendPeriods.LocalToday(now, zone);
        for (var date = today; date >= today.AddDays(-7); date = date.AddDays(-1))
        {
            if (Occurs(days, date) && DueAt(sendAt, date, zone) <= now) return date;
        }

        return null;
    }

    /// <summary>The local date and instant of the next digest due after <paramref name="now"/>.</summary>
    public static (DateOnly Date, DateTimeOffset At) NextDue(TimeOnly sendAt, DigestDays days, TimeZoneInfo zone, DateTimeOffset now)
    {
        var date = SpendPeriods.LocalToday(now, zone).AddDays(-1);
        while (!(Occurs(days, date) && DueAt(sendAt, date, zone) > now)) date = date.AddDays(1);
        return (date, DueAt(sendAt, date, zone));
    }

    public static string DateText(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly? ParseDate(string? text) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    public static string DaysText(DigestDays days) => days == DigestDays.Weekdays ? "weekdays (Mon–Fri)" : "every day";
}

/// <summary>A subscription as typed into the form or the API: text, checked before anything is stored.</summary>
public sealed record SubscriptionDraft(string? Scope, string? SendAt, string? TimeZone, string? Days)
{
    public const string OrgScope = "org";
}

/// <summary>A draft that passed the checks.</summary>
public sealed record SubscriptionChoice(int? TeamId, TimeOnly SendAt, string TimeZone, DigestDays Days);

/// <summary>The checks every subscription passes, for the page and the API alike.</summary>
public static class SubscriptionValidation
{
    /// <param name="teams">The teams the user may subscribe to (id → name).</param>
    /// <param name="mayOrg">Whether the user may receive the org-wide digest (Finance, Admin).</param>
    public static (SubscriptionChoice? Choice, IReadOnlyList<string> Errors) Check(SubscriptionDraft draft, IReadOnlyDictionary<int, string> teams, bool mayOrg)
    {
        List<string> errors = [];
        int? teamId = null;
        var scope = draft.Scope?.Trim() ?? "";
        if (scope.Length == 0)
        {
            errors.Add("Choose what the digest covers: a team you manage" + (mayOrg ? " or the whole org." : "."));
        }
        else if (string.Equals(scope, SubscriptionDraft.OrgScope, StringComparison.OrdinalIgnoreCase))
        {
            if (!mayOrg) errors.Add("Only Finance and Admins can receive the org-wide digest; choose a team you manage.");
        }
        else if (int.TryParse(scope, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && teams.ContainsKey(id))
        {
            teamId = id;
        }
        else
        {
            errors.Add(int.TryParse(scope, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                ? $"You do not manage team {scope}; you can subscribe to " + (teams.Count == 0 ? "no team." : string.Join(", ", teams.Values.Order(StringComparer.OrdinalIgnoreCase)) + ".")
                : $"'{Echo.Printable(scope)}' is not a team id or 'org'.");
        }

        var time = ParseTime(draft.SendAt, errors);
        var zoneId = draft.TimeZone?.Trim() ?? "";
        if (zoneId.Length == 0)
        {
            errors.Add("Choose a time zone, e.g. Europe/Berlin or UTC.");
        }
        else if (SpendPeriods.FindZone(zoneId) is null)
        {
            errors.Add($"'{Echo.Printable(zoneId)}' is not a known time zone; use an IANA name such as Europe/Berlin, America/New_York or UTC.");
        }

        DigestDays days = DigestDays.EveryDay;
        switch (draft.Days?.Trim().ToLowerInvariant())
        {
            case null or "" or "everyday" or "every-day" or "daily":
                break;
            case "weekdays":
                days = DigestDays.Weekdays;
                break;
            default:
                errors.Add($"Days '{Echo.Printable(draft.Days!)}' is not 'everyday' or 'weekdays'.");
                break;
        }

        return errors.Count > 0 || time is null ? (null, errors) : (new SubscriptionChoice(teamId, time.Value, zoneId, days), errors);
    }

    private static TimeOnly? ParseTime(string? text, List<string> errors)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            errors.Add("Choose a delivery time, e.g. 08:00.");
            return null;
        }

        if (TimeOnly.TryParseExact(value, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        errors.Add($"'{Echo.Printable(value)}' is not a time of day between 00:00 and 23:59 (24-hour, hours:minutes).");
        return null;
    }
}
