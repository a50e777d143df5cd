using Microsoft.Extensions.Options;

namespace CostConsole.Features.Ledger;

public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>Run ingestion in the background (catch up, then follow each closed hour).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>First hour to backfill on an empty ledger (UTC). Empty: <see cref="BackfillDays"/> before now.</summary>
    public DateTimeOffset? BackfillFrom { get; set; }

    public int BackfillDays { get; set; } = 45;

    /// <summary>Hours read from Prometheus per query (raw samples: keep series × samples per query moderate).</summary>
    public int ChunkHours { get; set; } = 6;

    /// <summary>How far before an hour to look for a series' baseline sample.</summary>
    public int BaselineLookbackMinutes { get; set; } = 120;

    public int PollSeconds { get; set; } = 60;

    public int RetryAttempts { get; set; } = 3;

    /// <summary>The longest window the spend API answers in one request.</summary>
    public int MaxQueryDays { get; set; } = 400;

    /// <summary>
    /// How long after an hour ends before it is closed and read: samples stamped inside the hour may still arrive
    /// (a slow scrape, remote-write lag, clock skew). Until then the hour is read live like the open one.
    /// </summary>
    public int SettleSeconds { get; set; } = 120;

    /// <summary>How many of the newest closed hours are read once more, to take in samples that arrived after they were closed (0: never).</summary>
    public int RereadHours { get; set; } = 2;

    /// <summary>How long after an hour was ingested it is read again.</summary>
    public int RereadAfterSeconds { get; set; } = 600;

    /// <summary>Label values longer than this are cut (and marked) before they are stored.</summary>
    public int MaxLabelLength { get; set; } = 200;

    /// <summary>
    /// Days of hourly rows kept behind the newest ingested day (0: kept for good). Older days keep their exact daily
    /// sums; views over them read whole UTC days. Days in which a price starts after midnight keep their hours.
    /// </summary>
    public int HourlyRetentionDays { get; set; }

    /// <summary>Distinct values one dimension may hold; beyond it values are counted under "(other)", totals exact.</summary>
    public int MaxValuesPerDimension { get; set; } = 5000;
}

internal sealed class ValidateLedgerOptions : IValidateOptions<LedgerOptions>
{
    public ValidateOptionsResult Validate(string? name, LedgerOptions options)
    {
        List<string> failures = [];
        if (options.BackfillFrom is { } from && from.UtcTicks % TimeSpan.TicksPerHour != 0)
        {
            failures.Add($"Ledger:BackfillFrom '{from:O}' is not on the hour (UTC).");
        }

        if (options.BackfillDays is < 1 or > 3650) failures.Add($"Ledger:BackfillDays must be between 1 and 3650 (was {options.BackfillDays}).");
        if (options.ChunkHours is < 1 or > 168) failures.Add($"Ledger:ChunkHours must be between 1 and 168 (was {options.ChunkHours}).");
        if (options.BaselineLookbackMinutes is < 1 or > 10_080) failures.Add($"Ledger:BaselineLookbackMinutes must be between 1 and 10080 (was {options.BaselineLookbackMinutes}).");
        if (options.PollSeconds is < 5 or > 3600) failures.Add($"Ledger:PollSeconds must be between 5 and 3600 (was {options.PollSeconds}).");
        if (options.RetryAttempts is < 1 or > 10) failures.Add($"Ledger:RetryAttempts must be between 1 and 10 (was {options.RetryAttempts}).");
        if (options.MaxQueryDays is < 1 or > 3650) failures.Add($"Ledger:MaxQueryDays must be between 1 and 3650 (was {options.MaxQueryDays}).");
        if (options.SettleSeconds is < 0 or > 3600) failures.Add($"Ledger:SettleSeconds must be between 0 and 3600 (was {options.SettleSeconds}).");
        if (options.MaxLabelLength is < 16 or > 10_000) failures.Add($"Ledger:MaxLabelLength must be between 16 and 10000 (was {options.MaxLabelLength}).");
        if (options.MaxValuesPerDimension is < 10 or > 1_000_000) failures.Add($"Ledger:MaxValuesPerDimension must be between 10 and 1000000 (was {options.MaxValuesPerDimension}).");
        if (options.HourlyRetentionDays != 0 && options.HourlyRetentionDays is < 7 or > 3650)
        {
            failures.Add($"Ledger:HourlyRetentionDays must be 0 (keep hourly rows for good) or between 7 and 3650 (was {options.HourlyRetentionDays}).");
        }

        if (options.RereadHours is < 0 or > 48) failures.Add($"Ledger:RereadHours must be between 0 and 48 (was {options.RereadHours}).");
        if (options.RereadAfterSeconds is < 0 or > 86_400) failures.Add($"Ledger:RereadAfterSeconds must be between 0 and 86400 (was {options.RereadAfterSeconds}).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
