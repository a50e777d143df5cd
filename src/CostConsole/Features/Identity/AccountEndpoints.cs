using CostConsole.Data;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CostConsole.Features.Identity;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account");

        account.MapPost("/login", async (
            [FromForm] string? email,
            [FromForm] string? password,
            [FromForm] string? returnUrl,
            SignInManager<AppUser> signIn,
            DatabaseStatus database,
            ILoggerFactory loggers) =>
        {
            var target = SafeReturnUrl(returnUrl);
            string Back(string error) => $"{IdentitySetup.LoginPath}?error={error}&returnUrl={Uri.EscapeDataString(target)}";
            if (!database.Ready)
            {
                return Results.LocalRedirect(Back("unavailable"));
            }

            if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
            {
                return Results.LocalRedirect(Back("missing"));
            }

            var result = await signIn.PasswordSignInAsync(email.Trim(), password, isPersistent: false, lockoutOnFailure: true);
            var logger = loggers.CreateLogger("CostConsole.Account");
            if (result.Succeeded)
            {
                logger.LogInformation("Signed in {Email}", email.Trim());
                return Results.LocalRedirect(target);
            }

            if (result.IsLockedOut)
            {
                logger.LogWarning("Sign-in refused for {Email}: locked out", email.Trim());
                return Results.LocalRedirect(Back("locked"));
            }

            logger.LogWarning("Failed sign-in for {Email}", email.Trim());
            return Results.LocalRedirect(Back("invalid"));
        }).AllowAnonymous();

        account.MapPost("/logout", async (HttpContext context, IAntiforgery antiforgery, SignInManager<AppUser> signIn) =>
        {
            // No form fields are bound here, so the antiforgery check is explicit.
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest("The sign-out form has expired; reload the page and sign out again.");
            }

            await signIn.SignOutAsync();
            return Results.LocalRedirect(IdentitySetup.LoginPath);
        });

        return endpoints;
    }

    /// <summary>Only a local path is followed after sign-in: an open redirect would make the login page a phishing tool.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\") && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/";
}
