using System.Security.Claims;
using CostConsole.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Identity;

/// <summary>
/// Re-checks, in the database and at the moment of a change, that the person on an admin page is still an enabled
/// Admin. A live page keeps the principal it was opened with until the next revalidation; a write must not.
/// </summary>
public sealed class AdminCheck(AuthenticationStateProvider auth, IDbContextFactory<CostConsoleDbContext> dbFactory)
{
    public const string Refused = "You are no longer an Admin (or your account was disabled): nothing was changed. Reload the page.";

    /// <summary>The signed-in user's id when they are an enabled Admin now; otherwise null.</summary>
    public async Task<string?> CurrentAdminIdAsync(CancellationToken cancellationToken = default)
    {
        var user = (await auth.GetAuthenticationStateAsync()).User;
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
        return id is not null && await IsEnabledAdminAsync(dbFactory, id, cancellationToken) ? id : null;
    }

    public static async Task<bool> IsEnabledAdminAsync(IDbContextFactory<CostConsoleDbContext> dbFactory, string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await (from u in db.Users
                      where u.Id == userId && u.Enabled
                      join ur in db.UserRoles on u.Id equals ur.UserId
                      join r in db.Roles on ur.RoleId equals r.Id
                      where r.Name == Roles.Admin
                      select u.Id).AnyAsync(cancellationToken);
    }
}
