using CostConsole.Data;
using CostConsole.Features.Hosting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CostConsole.Features.Identity;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account");

        account.MapPost("/login", async (
            HttpContext context,
            [FromForm] string? email,
            [FromForm] string? password,
            [FromForm] string? returnUrl,
            SignInManager<AppUser> signIn,
            SignInProtection protection,
            Oidc.LocalAccounts local,
            DatabaseStatus database,
            ILoggerFactory loggers) =>
        {
            var target = SafeReturnUrl(returnUrl);
            string Back(string error) => $"{IdentitySetup.LoginPath}?error={error}&returnUrl={Uri.EscapeDataString(target)}";
            if (!database.Ready)
            {
                return Results.LocalRedirect(Back("unavailable"));
            }

            if (!await local.AllowedAsync(context.RequestAborted))
            {
                return Results.LocalRedirect(Back("local-off"));
            }

            if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
            {
                return Results.LocalRedirect(Back("missing"));
            }

            var logger = loggers.CreateLogger("CostConsole.Account");
            var who = LogText.Safe(email.Trim());
            if (!protection.MayTry(context.Connection.RemoteIpAddress, email))
            {
                logger.LogWarning("Sign-in throttled for {Email} from {Address}", who, context.Connection.RemoteIpAddress);
                return Results.LocalRedirect(Back("throttled"));
            }

            var user = await signIn.UserManager.FindByEmailAsync(email.Trim());
            if (user is null || !user.Enabled)
            {
                // The same work and the same answer as a wrong password: the form does not tell which accounts exist.
                protection.SpendDecoyCheck(password);
                logger.LogWarning("Failed sign-in for {Email}: {Reason}", who, user is null ? "no such user" : "disabled");
                return Results.LocalRedirect(Back("invalid"));
            }

            var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
            if (result.Succeeded)
            {
                await signIn.UserManager.UpdateAsync(user.SignedIn(DateTimeOffset.UtcNow));
                logger.LogInformation("Signed in {Email}", who);
                return Results.LocalRedirect(target);
            }

            if (result.IsLockedOut)
            {
                // Identity answers a locked account before it checks the password: spend that work here.
                protection.SpendDecoyCheck(password);
                logger.LogWarning("Sign-in refused for {Email}: locked out", who);
            }
            else
            {
                logger.LogWarning("Failed sign-in for {Email}", who);
            }

            return Results.LocalRedirect(Back("invalid"));
        }).AllowAnonymous().RequireRateLimiting(SignInProtection.Policy);

        account.MapPost("/logout", async (HttpContext context, IAntiforgery antiforgery, SignInManager<AppUser> signIn) =>
        {
            // No form fields are bound here, so the antiforgery check is explicit.
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest("The sign-out form has expired; reload the page and sign out again.");
            }

            // Signed in through the provider: its session ends too (RP-initiated logout), where it offers that.
            var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
            var idToken = session.Properties?.GetTokenValue("id_token");
            await signIn.SignOutAsync();
            return await Oidc.OidcSetup.ProviderSignOutAsync(context, idToken, $"{IdentitySetup.LoginPath}?signedOut=provider")
                ?? Results.LocalRedirect($"{IdentitySetup.LoginPath}?signedOut={(idToken is null ? "local" : "here")}");
        });

        return endpoints;
    }

    /// <summary>Only a local path is followed after sign-in: an open redirect would make the login page a phishing tool.</summary>
    public static string SafeReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || !returnUrl.StartsWith('/') || returnUrl.StartsWith("//") || returnUrl.StartsWith("/\\") || returnUrl.Any(char.IsControl))
        {
            return "/";
        }

        // A Location header carries ASCII only: non-ASCII characters are percent-encoded (they answered 500 before).
        return Uri.TryCreate("http://localhost" + returnUrl, UriKind.Absolute, out var local) && local.Host == "localhost"
            ? local.PathAndQuery + local.Fragment
            : "/";
    }
}
