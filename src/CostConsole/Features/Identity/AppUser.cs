using CostConsole.Features.Teams;
using Microsoft.AspNetCore.Identity;

namespace CostConsole.Features.Identity;

public sealed class AppUser : IdentityUser
{
    public string? DisplayName { get; set; }

    public DateTimeOffset CreatedUtc { get; set; }

    /// <summary>The teams this user manages (meaningful for Managers).</summary>
    public List<Team> ManagedTeams { get; set; } = [];

    /// <summary>False once an admin disables the user: no sign-in, no session, tokens refused, no digests. Nothing is deleted.</summary>
    public bool Enabled { get; set; } = true;

    public DateTimeOffset? DisabledUtc { get; set; }

    /// <summary>Who disabled the user (an admin's email), shown beside the state.</summary>
    public string? DisabledBy { get; set; }

    public DateTimeOffset? LastSignInUtc { get; set; }

    /// <summary>The currency (ISO 4217) this user chose to see money in; null: Display:Currency.</summary>
    public string? DisplayCurrency { get; set; }

    /// <summary>
    /// True while the role (and, for a Manager, the teams) come from the identity provider's groups, applied at each
    /// sign-in through it; an Admin cannot change them by hand then. False: given here (or no role yet).
    /// </summary>
    public bool RoleFromProvider { get; set; }

    public AppUser SignedIn(DateTimeOffset at)
    {
        LastSignInUtc = at;
        return this;
    }
}
