using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using CostConsole.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Identity.Oidc;

/// <summary>How a provider sign-in ended: signed in, known but without a role, or refused (a <see cref="ProviderFailure"/> code).</summary>
public sealed record ProviderSignInResult(AppUser? User, string? Failure, string? Email = null, IReadOnlyList<string>? Groups = null)
{
    public bool SignedIn => User is not null && Failure is null;
}

/// <summary>
/// Turns a validated ID token (and userinfo) into a CostConsole session: finds the user by the provider's subject,
/// else by email; creates them just in time; applies the role and teams their groups map to; refuses a disabled user
/// whatever the provider says. Everything the provider sent is data: stored and compared, never interpreted.
/// </summary>
public sealed class ProviderSignIn(
    SignInManager<AppUser> signIn,
    CostConsoleDbContext db,
    IOptions<OidcOptions> options,
    TimeProvider time,
    ILogger<ProviderSignIn> logger)
{
    /// <summary>The login provider name under which the provider's subject is kept (AspNetUserLogins).</summary>
    public const string LoginProvider = "oidc";

    /// <summary>The authentication method recorded in the session ("amr"), so sign-out knows to end the provider's session too.</summary>
    public const string Method = "oidc";

    public async Task<ProviderSignInResult> CompleteAsync(ClaimsPrincipal principal, AuthenticationProperties? tokens, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var subject = principal.FindFirstValue("sub");
        var email = principal.FindFirstValue(settings.EmailClaim)?.Trim();
        if (string.IsNullOrEmpty(subject))
        {
            logger.LogWarning("Provider sign-in refused: the ID token has no sub claim");
            return new(null, ProviderFailure.NoSubject);
        }

        if (string.IsNullOrEmpty(email) || email.Length > UserAdministration.MaxEmailLength || email.Any(char.IsControl) || !new EmailAddressAttribute().IsValid(email))
        {
            logger.LogWarning("Provider sign-in refused for subject {Subject}: no usable {Claim} claim", LogText.Safe(subject), LogText.Safe(settings.EmailClaim));
            return new(null, ProviderFailure.NoEmail);
        }

        var groups = principal.FindAll(settings.GroupsClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
        var users = signIn.UserManager;
        var user = await users.FindByLoginAsync(LoginProvider, subject);
        var linked = user is not null;
        if (user is null && await users.FindByEmailAsync(email) is { } byEmail)
        {
            // The same person, first time through the provider: link the account, unless it is already linked to
            // another subject (someone else's mailbox renamed) or the provider says it never verified the address.
            if ((await users.GetLoginsAsync(byEmail)).Any(l => l.LoginProvider == LoginProvider))
            {
                logger.LogWarning("Provider sign-in refused: {Email} is linked to another provider subject", LogText.Safe(email));
                return new(null, ProviderFailure.Conflict);
            }

            if (string.Equals(principal.FindFirstValue("email_verified"), "false", StringComparison.OrdinalIgnoreCase))
            {
                logger.LogWarning("Provider sign-in refused: the provider has not verified {Email}, which a CostConsole account already has", LogText.Safe(email));
                return new(null, ProviderFailure.Unverified);
            }

            user = byEmail;
        }

        if (user is { Enabled: false })
        {
            logger.LogWarning("Provider sign-in refused for {Email}: disabled in CostConsole", LogText.Safe(user.Email));
            return new(null, ProviderFailure.Disabled);
        }

        var teamNames = await db.Teams.AsNoTracking().Select(t => t.Name).ToListAsync(cancellationToken);
        var grant = ProviderRoles.Map(settings, groups, teamNames);
        if (grant.UnknownTeams.Count > 0)
        {
            logger.LogWarning("Groups of {Email} name teams CostConsole does not have: {Teams}", LogText.Safe(email), LogText.Safe(string.Join(", ", grant.UnknownTeams)));
        }

        var name = principal.FindFirstValue("name")?.Trim();
        name = string.IsNullOrEmpty(name) || name.Any(char.IsControl) ? null : name[..Math.Min(name.Length, 200)];
        if (user is null)
        {
            user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, CreatedUtc = time.GetUtcNow() };
            var created = await users.CreateAsync(user);
            if (!created.Succeeded)
            {
                logger.LogWarning("Provider sign-in could not create {Email}: {Errors}", LogText.Safe(email), string.Join(" ", created.Errors.Select(e => e.Description)));
                return new(null, ProviderFailure.Failed);
            }

            logger.LogInformation("Created {Email} at their first sign-in through the provider", LogText.Safe(email));
        }
        else if (user.DisplayName != name && name is not null)
        {
            user.DisplayName = name;
        }

        if (!linked)
        {
            await users.AddLoginAsync(user, new UserLoginInfo(LoginProvider, subject, settings.DisplayName));
        }

        var changed = await ApplyAsync(user, grant, cancellationToken);
        if (changed)
        {
            // A new stamp ends the user's other sessions at their next check, so a removed role goes everywhere at once.
            await users.UpdateSecurityStampAsync(user);
        }

        if ((await users.GetRolesAsync(user)).Count == 0)
        {
            await users.UpdateAsync(user);
            logger.LogWarning("{Email} signed in through the provider but no group maps to a role (groups: {Groups})", LogText.Safe(email), LogText.Safe(string.Join(", ", groups), 500));
            return new(null, ProviderFailure.NoRole, email, groups);
        }

        var properties = new AuthenticationProperties { IsPersistent = false };
        if (tokens?.GetTokenValue("id_token") is { } idToken)
        {
            // Kept in the session (encrypted in the cookie) for the provider's sign-out, which wants it as a hint.
            properties.StoreTokens([new AuthenticationToken { Name = "id_token", Value = idToken }]);
        }

        await users.UpdateAsync(user.SignedIn(time.GetUtcNow()));
        await signIn.SignInWithClaimsAsync(user, properties, [new Claim("amr", Method), ProviderSession.Began(time.GetUtcNow())]);
        logger.LogInformation("Signed in {Email} through the provider", LogText.Safe(email));
        return new(user, null, email, groups);
    }

    /// <summary>
    /// Sets the role and teams the groups grant. Groups that grant nothing take away what the provider gave before;
    /// a role an Admin gave by hand (the provider granting nothing) stays. True when anything changed.
    /// </summary>
    private async Task<bool> ApplyAsync(AppUser user, ProviderGrant grant, CancellationToken cancellationToken)
    {
        var users = signIn.UserManager;
        var current = await users.GetRolesAsync(user);
        await db.Entry(user).Collection(u => u.ManagedTeams).LoadAsync(cancellationToken);
        var changed = false;
        if (grant.Role is null)
        {
            if (!user.RoleFromProvider)
            {
                return false;
            }

            user.RoleFromProvider = false;
            if (current.Count > 0) await users.RemoveFromRolesAsync(user, current);
            user.ManagedTeams.Clear();
            await users.UpdateAsync(user);
            logger.LogWarning("{Email} lost {Roles}: no group grants a role any more", LogText.Safe(user.Email), string.Join(",", current));
            return true;
        }

        if (!current.SequenceEqual([grant.Role]))
        {
            if (current.Count > 0) await users.RemoveFromRolesAsync(user, current);
            await users.AddToRoleAsync(user, grant.Role);
            logger.LogInformation("{Email} is {Role} by their provider groups (was {Before})", LogText.Safe(user.Email), grant.Role, current.Count == 0 ? "none" : string.Join(",", current));
            changed = true;
        }

        var teams = await db.Teams.Where(t => grant.Teams.Contains(t.Name)).ToListAsync(cancellationToken);
        if (!user.ManagedTeams.Select(t => t.Id).Order().SequenceEqual(teams.Select(t => t.Id).Order()))
        {
            user.ManagedTeams.Clear();
            user.ManagedTeams.AddRange(teams);
            changed = true;
        }

        changed |= !user.RoleFromProvider;
        user.RoleFromProvider = true;
        await users.UpdateAsync(user);
        return changed;
    }
}
