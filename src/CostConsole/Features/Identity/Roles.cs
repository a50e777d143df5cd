namespace CostConsole.Features.Identity;

/// <summary>The four roles of CostConsole. A user has exactly one.</summary>
public static class Roles
{
    public const string Finance = "Finance";
    public const string Engineer = "Engineer";
    public const string Manager = "Manager";
    public const string Admin = "Admin";

    public static IReadOnlyList<string> All { get; } = [Finance, Engineer, Manager, Admin];

    /// <summary>The canonical spelling of a role name given in any case, or null when it is not a role.</summary>
    public static string? Normalize(string? role) =>
        All.FirstOrDefault(r => string.Equals(r, role?.Trim(), StringComparison.OrdinalIgnoreCase));
}
