using System.ComponentModel.DataAnnotations;
using CostConsole.Data;
using CostConsole.Features.Teams;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Identity;

public sealed record UserSummary(string Id, string Email, string Role, IReadOnlyList<string> Teams, bool LockedOut, DateTimeOffset? LockoutEnd, DateTimeOffset CreatedUtc,
    bool Enabled = true, DateTimeOffset? DisabledUtc = null, string? DisabledBy = null, DateTimeOffset? LastSignInUtc = null,
    bool RoleFromProvider = false, bool SignsInWithProvider = false);

/// <summary>The outcome of an administrative change: done, or the reasons it was refused (nothing was changed then).</summary>
public sealed record AdminResult(bool Succeeded, IReadOnlyList<string> Errors)
{
    public static AdminResult Ok { get; } = new(true, []);
    public static AdminResult Fail(params string[] errors) => new(false, errors);
}

/// <summary>Creates users with exactly one role, changes roles and team memberships. Used by the admin pages and the CLI.</summary>
public sealed class UserAdministration(
    UserManager<AppUser> users,
    RoleManager<IdentityRole> roles,
    IDbContextFactory<CostConsoleDbContext> dbFactory,
    TimeProvider time,
    ILogger<UserAdministration> logger)
{
    public const int MaxEmailLength = 254;

    public async Task EnsureRolesAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }
    }

    public async Task<AdminResult> CreateAsync(string? email, string? role, string? password)
    {
        email = email?.Trim();
        List<string> errors = [];
        if (string.IsNullOrEmpty(email) || email.Length > MaxEmailLength || !new EmailAddressAttribute().IsValid(email) || email.Any(char.IsControl))
        {
            errors.Add($"'{email}' is not a valid email address.");
        }

        var canonicalRole = Roles.Normalize(role);
        if (canonicalRole is null)
        {
            errors.Add($"'{role}' is not a role; use one of {string.Join(", ", Roles.All)}.");
        }

        if (string.IsNullOrEmpty(password))
        {
            errors.Add("A password is required.");
        }

        if (errors.Count > 0)
        {
            return new AdminResult(false, errors);
        }

        if (await users.FindByEmailAsync(email!) is not null)
        {
            return AdminResult.Fail($"A user with the email {email} already exists.");
        }

        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, CreatedUtc = time.GetUtcNow() };
        foreach (var validator in users.PasswordValidators)
        {
            var check = await validator.ValidateAsync(users, user, password!);
            if (!check.Succeeded)
            {
                return new AdminResult(false, [.. check.Errors.Select(e => e.Description)]);
            }
        }

        await EnsureRolesAsync();
        var created = await users.CreateAsync(user, password!);
        if (!created.Succeeded)
        {
            return new AdminResult(false, [.. created.Errors.Select(e => e.Description)]);
        }

        var added = await users.AddToRoleAsync(user, canonicalRole!);
        if (!added.Succeeded)
        {
            await users.DeleteAsync(user);
            return new AdminResult(false, [.. added.Errors.Select(e => e.Description)]);
        }

        logger.LogInformation("Created user {Email} with role {Role}", email, canonicalRole);
        return AdminResult.Ok;
    }

    public async Task<AdminResult> SetRoleAsync(string userId, string? role, string actingUserId)
    {
        var canonicalRole = Roles.Normalize(role);
        if (canonicalRole is null)
        {
            return AdminResult.Fail($"'{role}' is not a role; use one of {string.Join(", ", Roles.All)}.");
        }

        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return AdminResult.Fail("That user no longer exists.");
        }

        if (user.RoleFromProvider)
        {
            return AdminResult.Fail($"The role of {user.Email} comes from their groups at the identity provider: change their groups there (it applies at their next sign-in).");
        }

        var current = await users.GetRolesAsync(user);
        if (userId == actingUserId && current.Contains(Roles.Admin) && canonicalRole != Roles.Admin)
        {
            return AdminResult.Fail("You cannot remove your own Admin role; ask another admin.");
        }

        if (current.SequenceEqual([canonicalRole]))
        {
            return AdminResult.Ok;
        }

        await users.RemoveFromRolesAsync(user, current);
        await users.AddToRoleAsync(user, canonicalRole);
        await users.UpdateSecurityStampAsync(user);
        logger.LogInformation("Changed the role of {Email} from {Before} to {After}", user.Email, string.Join(",", current), canonicalRole);
        return AdminResult.Ok;
    }

    /// <summary>
    /// Disables a user (no sign-in; their sessions end at the next revalidation, their tokens and digests stop) or
    /// enables them again. Nothing is deleted; who did it and when is kept and logged.
    /// </summary>
    public async Task<AdminResult> SetEnabledAsync(string userId, bool enabled, string actingUserId, string actor)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return AdminResult.Fail("That user no longer exists.");
        }

        if (userId == actingUserId && !enabled)
        {
            return AdminResult.Fail("You cannot disable yourself; ask another admin.");
        }

        if (user.Enabled == enabled)
        {
            return AdminResult.Ok;
        }

        user.Enabled = enabled;
        user.DisabledUtc = enabled ? null : time.GetUtcNow();
        user.DisabledBy = enabled ? null : actor;
        await users.UpdateAsync(user);
        // A new stamp ends every session of the user at its next revalidation (cookie and live page).
        await users.UpdateSecurityStampAsync(user);
        logger.LogWarning("{Actor} {Action} the user {Email}", LogText.Safe(actor), enabled ? "enabled" : "disabled", LogText.Safe(user.Email));
        return AdminResult.Ok;
    }

    public async Task<AdminResult> UnlockAsync(string userId)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return AdminResult.Fail("That user no longer exists.");
        }

        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        return AdminResult.Ok;
    }

    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Users.AsNoTracking().Include(u => u.ManagedTeams).ToListAsync(cancellationToken);
        var roleByUser = await (from ur in db.UserRoles
                                join r in db.Roles on ur.RoleId equals r.Id
                                select new { ur.UserId, r.Name }).ToListAsync(cancellationToken);
        var linked = (await db.UserLogins.Where(l => l.LoginProvider == Oidc.ProviderSignIn.LoginProvider).Select(l => l.UserId).ToListAsync(cancellationToken)).ToHashSet();
        var now = time.GetUtcNow();
        return [.. rows
            .OrderBy(u => u.Email, StringComparer.OrdinalIgnoreCase)
            .Select(u => new UserSummary(
                u.Id,
                u.Email ?? "",
                string.Join(", ", roleByUser.Where(r => r.UserId == u.Id).Select(r => r.Name)),
                [.. u.ManagedTeams.Select(t => t.Name).Order(StringComparer.OrdinalIgnoreCase)],
                u.LockoutEnd is { } end && end > now,
                u.LockoutEnd,
                u.CreatedUtc,
                u.Enabled,
                u.DisabledUtc,
                u.DisabledBy,
                u.LastSignInUtc,
                u.RoleFromProvider,
                linked.Contains(u.Id)))];
    }

    public async Task<bool> AnyAdminAsync()
    {
        var admins = await users.GetUsersInRoleAsync(Roles.Admin);
        return admins.Count > 0;
    }
}
