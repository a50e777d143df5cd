using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Identity.Oidc;

/// <summary>
/// A session begun at the identity provider lasts at most <see cref="OidcOptions.SessionHours"/>, however active: the
/// groups (and so the role) are read at sign-in, and this bounds how long they go unread. The start is a claim, kept
/// through the security stamp's renewals; the cookie check and a live page's revalidation both end an older session.
/// </summary>
public static class ProviderSession
{
    public const string BeganClaim = "costconsole:provider_signin";

    public static Claim Began(DateTimeOffset at) => new(BeganClaim, at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));

    /// <summary>Whether the principal's provider session is older than allowed (false for a password sign-in).</summary>
    public static bool IsOver(ClaimsPrincipal principal, DateTimeOffset now, OidcOptions options) =>
        principal.FindFirstValue(BeganClaim) is { } began
        && long.TryParse(began, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && now - DateTimeOffset.FromUnixTimeSeconds(seconds) > TimeSpan.FromHours(options.SessionHours);

    /// <summary>
    /// The cookie's check: an expired provider session is rejected (sign-in asks the provider again); otherwise the
    /// security stamp is checked as Identity does, keeping the authentication method and the session's start.
    /// </summary>
    public static void AddProviderSessionLimit(this IServiceCollection services)
    {
        services.AddOptions<SecurityStampValidatorOptions>().Configure(stamp => stamp.OnRefreshingPrincipal = context =>
        {
            foreach (var type in new[] { "amr", BeganClaim })
            {
                if (context.CurrentPrincipal?.FindFirst(type) is { } kept && context.NewPrincipal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == type))
                {
                    identity.AddClaim(new Claim(type, kept.Value));
                }
            }

            return Task.CompletedTask;
        });
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme).PostConfigure(cookie =>
        {
            var stampCheck = cookie.Events.OnValidatePrincipal;
            cookie.Events.OnValidatePrincipal = async context =>
            {
                var services = context.HttpContext.RequestServices;
                if (context.Principal is { } principal
                    && IsOver(principal, services.GetRequiredService<TimeProvider>().GetUtcNow(), services.GetRequiredService<IOptions<OidcOptions>>().Value))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                    return;
                }

                await stampCheck(context);
            };
        });
    }
}
