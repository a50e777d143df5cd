using CostConsole.Features.Metrics;

namespace CostConsole.Features.Ledger;

/// <summary>
/// One dimension set the ledger has seen, stored once: the hour, day and month rows carry its integer key. Instance and
/// pod labels are summed away; dimensions a profile does not carry are "". Team is the label's value; ownership fills
/// it in at query time. Sets are only ever added, so a key once read always means the same values.
/// </summary>
public sealed class LedgerSet
{
    public long Id { get; set; }
    public required string Model { get; set; }
    public required string Provider { get; set; }
    public required string Feature { get; set; }
    public required string Team { get; set; }
    public required string Operation { get; set; }
    public required string Outcome { get; set; }

    /// <summary>The profile's extra dimensions (ExtraValues: a JSON object), "" without any.</summary>
    public string Extra { get; set; } = "";

    /// <summary>The price variant the series' labels select (a service tier), "" for the base price.</summary>
    public string Variant { get; set; } = "";

    public Dimensions ToDimensions() => new(Model, Provider, Feature, Team, Operation, Outcome, Extra, Variant);
}

/// <summary>Exact tokens of one closed hour for one dimension set (<see cref="LedgerSet"/>) and token type.</summary>
public sealed class LedgerEntry
{
    public long HourUnix { get; set; }
    public long SetId { get; set; }
    public TokenType TokenType { get; set; }
    public long Tokens { get; set; }
}

/// <summary>
/// The ledger summed per UTC day, kept beside the hourly rows so long windows read ~24x fewer rows. Written with the
/// hours of that day; the spend query uses it only for whole, fully ingested days in which no price changes.
/// </summary>
public sealed class LedgerDay
{
    public long DayUnix { get; set; }
    public long SetId { get; set; }
    public TokenType TokenType { get; set; }
    public long Tokens { get; set; }
}

/// <summary>
/// The ledger summed per UTC month, over the days <see cref="LedgerRollup"/> says it covers: long windows (a year)
/// read twelve rows per dimension set and token type instead of 365. Rebuilt from the daily rows after each sync; a
/// month whose hours are written again loses its rollup in the same transaction, so it is never read stale.
/// </summary>
public sealed class LedgerMonth
{
    public long MonthUnix { get; set; }
    public long SetId { get; set; }
    public TokenType TokenType { get; set; }
    public long Tokens { get; set; }
}

/// <summary>Which days of a month its <see cref="LedgerMonth"/> rows sum: [MonthUnix, ThroughDayUnix).</summary>
public sealed class LedgerRollup
{
    public long MonthUnix { get; set; }
    public long ThroughDayUnix { get; set; }
}

/// <summary>A closed hour that has been ingested completely. An hour without a row here is not in the ledger.</summary>
public sealed class LedgerHour
{
    public long HourUnix { get; set; }
    public DateTimeOffset IngestedUtc { get; set; }
    public int Series { get; set; }
    public long Samples { get; set; }
    public required string Profile { get; set; }

    /// <summary>Series whose gap in this hour no restart signal explains: the hour may undercount (README, restarts).</summary>
    public int AmbiguousSeries { get; set; }

    /// <summary>When the hour was read once more after it was closed (late samples); null until then.</summary>
    public DateTimeOffset? RereadUtc { get; set; }

    /// <summary>Tokens (and requests) that re-read added or took away, summed without sign: 0 when it found the hour unchanged.</summary>
    public long CorrectedTokens { get; set; }

    /// <summary>
    /// The hour's rows were dropped by retention (Ledger:HourlyRetentionDays): its day keeps their exact sum in
    /// <see cref="LedgerDay"/>, and views read that day whole.
    /// </summary>
    public bool RowsPruned { get; set; }
}

/// <summary>Which team owns a feature, for profiles (or series) without a team label.</summary>
public sealed class FeatureOwner
{
    public const string Unassigned = SpendFold.Unassigned;

    public required string Feature { get; set; }
    public int TeamId { get; set; }
}
