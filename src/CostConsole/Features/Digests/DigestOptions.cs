using System.Globalization;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Digests;

public enum DigestStorage
{
    /// <summary>Hangfire's in-memory storage: embedded, nothing to set up; jobs are registered again from the database at every start.</summary>
    InMemory,
    /// <summary>A PostgreSQL database (Digests:StorageConnection), for Hangfire state that survives restarts.</summary>
    PostgreSql,
}

public sealed class DigestOptions
{
    public const string Section = "Digests";

    public DigestStorage Storage { get; set; } = DigestStorage.InMemory;

    /// <summary>The connection string of a persistent storage; set it through the environment (Digests__StorageConnection).</summary>
    public string? StorageConnection { get; set; }

    /// <summary>Whether this process runs Hangfire's worker (the jobs); the schedule is registered either way.</summary>
    public bool Worker { get; set; } = true;

    /// <summary>How often the worker looks for delayed jobs (retries) that are due, in seconds.</summary>
    public int PollSeconds { get; set; } = 15;

    /// <summary>Delays before each further attempt after a temporary SMTP failure, comma-separated seconds.</summary>
    public string RetrySeconds { get; set; } = "60,300,900,3600";

    public IReadOnlyList<TimeSpan> RetryDelays =>
        [.. RetrySeconds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => TimeSpan.FromSeconds(int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture)))];
}

internal sealed class ValidateDigestOptions : IValidateOptions<DigestOptions>
{
    public ValidateOptionsResult Validate(string? name, DigestOptions options)
    {
        List<string> failures = [];
        if (options.Storage != DigestStorage.InMemory && string.IsNullOrWhiteSpace(options.StorageConnection))
        {
            failures.Add($"Digests:Storage is {options.Storage} but Digests:StorageConnection is empty; set it through the environment (Digests__StorageConnection).");
        }

        if (options.PollSeconds is < 1 or > 3600)
        {
            failures.Add($"Digests:PollSeconds must be between 1 and 3600 (was {options.PollSeconds}).");
        }

        var parts = options.RetrySeconds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > 10 || parts.Any(p => !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s is < 1 or > 86_400))
        {
            failures.Add($"Digests:RetrySeconds '{options.RetrySeconds}' must be up to 10 comma-separated delays of 1 to 86400 seconds, e.g. 60,300,900.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
