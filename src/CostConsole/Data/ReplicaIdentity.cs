using Microsoft.Extensions.Options;

namespace CostConsole.Data;

/// <summary><c>Replica:Name</c>: how this replica is named where it matters (who holds the ledger, /readyz, the logs).</summary>
public sealed class ReplicaOptions
{
    public const string Section = "Replica";

    /// <summary>Empty: the host name and process id (a pod's name on Kubernetes).</summary>
    public string Name { get; set; } = "";
}

internal sealed class ValidateReplicaOptions : IValidateOptions<ReplicaOptions>
{
    public ValidateOptionsResult Validate(string? name, ReplicaOptions options) =>
        options.Name.Length == 0 || (options.Name.Length <= 60 && options.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Replica:Name '{Configuration.OptionText.Printable(options.Name)}' must be 1–60 letters, digits, '-', '_' or '.'.");
}

/// <summary>This replica's name: <c>Replica:Name</c>, else host and process id.</summary>
public sealed class ReplicaIdentity(IOptions<ReplicaOptions> options)
{
    public string Name { get; } = options.Value.Name.Length > 0 ? options.Value.Name : $"{Environment.MachineName}-{Environment.ProcessId}";
}
