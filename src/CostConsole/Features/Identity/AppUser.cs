using CostConsole.Features.Teams;
using Microsoft.AspNetCore.Identity;

namespace CostConsole.Features.Identity;

public sealed class AppUser : IdentityUser
{
    public string? DisplayName { get; set; }

    public DateTimeOffset CreatedUtc { get; set; }

    /// <summary>The teams this user manages (meaningful for Managers).</summary>
    public List<Team> ManagedTeams { get; set; } = [];
}
