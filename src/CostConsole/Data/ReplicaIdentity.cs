namespace CostConsole.Data;

/// <summary>This replica's name (<c>Replica:Name</c>, else host and process id): who holds the ledger, in /readyz and the logs.</summary>
public sealed class ReplicaIdentity(IConfiguration configuration)
{
    public string Name { get; } = configuration["Replica:Name"] is { Length: > 0 and <= 60 } name && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
        ? name
        : $"{Environment.MachineName}-{Environment.ProcessId}";
}
