using CostConsole.Features.Identity;

namespace CostConsole.Features.Digests;

/// <summary>
/// One user's daily digest: a team's (Managers, for the teams they manage) or the whole org's (Finance), delivered at
/// a local time in the user's time zone. One Hangfire recurring job runs it.
/// </summary>
public sealed class DigestSubscription
{
    public int Id { get; set; }
    public required string UserId { get; set; }
    public AppUser? User { get; set; }

    /// <summary>The team the digest covers; null: the whole org.</summary>
    public int? TeamId { get; set; }

    public TimeOnly SendAt { get; set; }

    /// <summary>IANA time zone id, e.g. Europe/Berlin.</summary>
    public required string TimeZone { get; set; }

    public DigestDays Days { get; set; }

    public bool Paused { get; set; }

    public DateTimeOffset CreatedUtc { get; set; }
    public DateTimeOffset UpdatedUtc { get; set; }

    public string JobId => $"digest-{Id}";
}

public enum DeliveryKind
{
    /// <summary>The day's digest: at most one per subscription and local date.</summary>
    Scheduled,
    /// <summary>"Send me a test": to the person who asked, as often as they ask.</summary>
    Test,
}

public enum DeliveryStatus
{
    /// <summary>Claimed and being handed to the SMTP server. Left so by a crash, it is never sent again (at most once).</summary>
    Sending,
    Sent,
    /// <summary>The server answered 4xx or could not be reached; another attempt is scheduled.</summary>
    Retrying,
    /// <summary>A 5xx answer, mail off, or every attempt used up. Not tried again.</summary>
    Failed,
    /// <summary>The app stopped while sending: the server may or may not have it, so it is not sent twice.</summary>
    Interrupted,
}

/// <summary>
/// One digest for one subscription and local date, written before the mail is sent so that a job run twice, or a
/// restart in the middle of a send, never mails the same digest twice.
/// </summary>
public sealed class DigestDelivery
{
    public long Id { get; set; }
    public int SubscriptionId { get; set; }

    /// <summary>The local date of the digest (yyyy-MM-dd in the subscription's zone); it reports the day before.</summary>
    public required string LocalDate { get; set; }

    public DeliveryKind Kind { get; set; }
    public DeliveryStatus Status { get; set; }
    public required string Recipient { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedUtc { get; set; }
    public DateTimeOffset? LastAttemptUtc { get; set; }
    public DateTimeOffset? NextAttemptUtc { get; set; }
    public DateTimeOffset? SentUtc { get; set; }

    /// <summary>The SMTP server's last answer (or why nothing was sent).</summary>
    public string Reply { get; set; } = "";

    /// <summary>Every attempt, one line each: when, and what the server said.</summary>
    public string History { get; set; } = "";

    /// <summary>Why the digest was sent: on schedule, as a catch-up after downtime, or a retry.</summary>
    public string Trigger { get; set; } = "";
}
