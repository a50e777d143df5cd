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

    /// <summary>
    /// Where Hangfire keeps its jobs. Unset, it follows the database: PostgreSql (Hangfire's own schema in CostConsole's
    /// database, so several replicas share one queue) when Database:Provider is PostgreSql, else InMemory.
    /// </summary>
    public DigestStorage? Storage { get; set; }

    /// <summary>
    /// The connection string of a persistent storage; set it through the environment (Digests__StorageConnection).
    /// Unset with Database:Provider PostgreSql, ConnectionStrings:CostConsole serves.
    /// </summary>
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

internal sealed class ValidateDigestOptions(IConfiguration configuration) : IValidateOptions<DigestOptions>
{
    public ValidateOptionsResult Validate(string? name, DigestOptions options)
    {
        List<string> failures = [];
        var onPostgreSql = configuration["Database:Provider"] is { } provider && !provider.Trim().Equals("sqlite", StringComparison.OrdinalIgnoreCase) && provider.Trim().Length > 0;
        if (options.Storage == DigestStorage.PostgreSql && string.IsNullOrWhiteSpace(options.StorageConnection) && !onPostgreSql)
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
