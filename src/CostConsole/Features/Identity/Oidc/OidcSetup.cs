using System.Text.Json;
using CostConsole.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace CostConsole.Features.Identity.Oidc;

/// <summary>
/// OpenID Connect sign-in with ASP.NET Core's handler: authorization code with PKCE, the response in the query (so the
/// correlation cookie can stay SameSite=Lax), claims as the provider names them. The handler proves the tokens; this
/// file turns them into a CostConsole session (<see cref="ProviderSignIn"/>) and every failure into a page that says
/// which setting to look at.
/// </summary>
public static class OidcSetup
{
    public const string Scheme = "oidc";
    public const string StartPath = "/account/oidc";
    public const string NoAccessPath = "/account/no-access";

    public static IServiceCollection AddCostConsoleProviderSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OidcOptions>, ValidateOidcOptions>();
        services.AddOptions<LocalAccountOptions>().Bind(configuration.GetSection(LocalAccountOptions.Section)).ValidateOnStart();
        services.AddScoped<ProviderSignIn>();
        services.AddScoped<LocalAccounts>();
        services.AddSingleton<ProviderFormTargets>();
        services.AddProviderSessionLimit();
        services.AddHealthChecks().AddCheck<IdentityProviderHealthCheck>("identity-provider", tags: ["ready"]);

        // Registered always, configured when settings are read (hosts and tests add them late); removed at start when off.
        services.AddAuthentication().AddOpenIdConnect(Scheme, "Identity provider", _ => { });
        services.AddOptions<OpenIdConnectOptions>(Scheme).Configure<IOptions<OidcOptions>>((handler, settings) => Configure(handler, settings.Value));
        return services;
    }

    /// <summary>Takes the provider's scheme away when no Authority is set, so its callback paths answer nothing.</summary>
    public static void UseCostConsoleProviderSignIn(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<OidcOptions>>().Value.Enabled)
        {
            app.Services.GetRequiredService<IAuthenticationSchemeProvider>().RemoveScheme(Scheme);
        }
    }

    private static void Configure(OpenIdConnectOptions handler, OidcOptions settings)
    {
        if (!settings.Enabled)
        {
            return;
        }

        var authority = settings.Authority!.Trim();
        handler.Authority = authority;
        handler.ClientId = settings.ClientId?.Trim();
        handler.ClientSecret = settings.ResolveClientSecret();
        handler.ResponseType = OpenIdConnectResponseType.Code;
        handler.ResponseMode = OpenIdConnectResponseMode.Query;
        handler.UsePkce = true;
        handler.Scope.Clear();
        foreach (var scope in settings.ScopeList.Prepend("openid").Distinct(StringComparer.Ordinal))
        {
            handler.Scope.Add(scope);
        }

        handler.RequireHttpsMetadata = !OidcOptions.IsLoopback(new Uri(authority));
        handler.MapInboundClaims = false;
        handler.GetClaimsFromUserInfoEndpoint = true;
        handler.ClaimActions.MapJsonKey(settings.GroupsClaim, settings.GroupsClaim);
        handler.ClaimActions.MapUniqueJsonKey(settings.EmailClaim, settings.EmailClaim);
        handler.ClaimActions.MapUniqueJsonKey("email_verified", "email_verified");
        handler.SaveTokens = true;
        handler.BackchannelTimeout = TimeSpan.FromSeconds(15);
        handler.SignInScheme = IdentityConstants.ExternalScheme;
        handler.SignOutScheme = IdentityConstants.ApplicationScheme;
        handler.SignedOutRedirectUri = IdentitySetup.LoginPath;
        foreach (var cookie in new[] { handler.CorrelationCookie, handler.NonceCookie })
        {
            cookie.SameSite = SameSiteMode.Lax;
            cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        }

        handler.Events.OnTicketReceived = TicketReceivedAsync;
        handler.Events.OnRemoteFailure = context =>
        {
            var code = ProviderFailure.Classify(context.Failure);
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CostConsole.Oidc")
                .LogWarning(context.Failure, "Sign-in through the provider failed ({Code})", code);
            context.Response.Redirect($"{IdentitySetup.LoginPath}?error={code}");
            context.HandleResponse();
            return Task.CompletedTask;
        };
        handler.Events.OnRedirectToIdentityProviderForSignOut = context =>
        {
            if (context.HttpContext.Items[IdTokenItem] is string idToken)
            {
                context.ProtocolMessage.IdTokenHint = idToken;
            }

            return Task.CompletedTask;
        };
    }

    private const string IdTokenItem = "costconsole.id_token";

    private static async Task TicketReceivedAsync(TicketReceivedContext context)
    {
        var signIn = context.HttpContext.RequestServices.GetRequiredService<ProviderSignIn>();
        var target = AccountEndpoints.SafeReturnUrl(context.ReturnUri);
        string location;
        try
        {
            var result = await signIn.CompleteAsync(context.Principal!, context.Properties, context.HttpContext.RequestAborted);
            location = result.SignedIn ? target
                : result.Failure == ProviderFailure.NoRole ? $"{NoAccessPath}?ticket={Uri.EscapeDataString(NoAccessTicket.Protect(context.HttpContext.RequestServices, result.Email!, result.Groups ?? []))}"
                : $"{IdentitySetup.LoginPath}?error={result.Failure}";
        }
        catch (Exception ex) when (DatabaseSetup.IsDatabaseFault(ex) || ex is DbUpdateException)
        {
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CostConsole.Oidc")
                .LogError(ex, "Sign-in through the provider could not be recorded");
            location = $"{IdentitySetup.LoginPath}?error=unavailable";
        }

        context.Response.Redirect(location);
        context.HandleResponse();
    }

    public static IEndpointRouteBuilder MapProviderSignIn(this IEndpointRouteBuilder endpoints)
    {
        // A form post (with the antiforgery token the sign-in page renders), so no other site can start a sign-in.
        endpoints.MapPost(StartPath, async (HttpContext context, [FromForm] string? returnUrl, IOptions<OidcOptions> settings, IOptionsMonitor<OpenIdConnectOptions> handlers, ProviderFormTargets targets, DatabaseStatus database, ILoggerFactory loggers) =>
        {
            var target = AccountEndpoints.SafeReturnUrl(returnUrl);
            string Back(string error) => $"{IdentitySetup.LoginPath}?error={error}&returnUrl={Uri.EscapeDataString(target)}";
            if (!settings.Value.Enabled)
            {
                return Results.LocalRedirect(Back(ProviderFailure.NotConfigured));
            }

            if (!database.Ready)
            {
                return Results.LocalRedirect(Back("unavailable"));
            }

            var logger = loggers.CreateLogger("CostConsole.Oidc");
            if (await CheckProviderAsync(handlers.Get(Scheme), settings.Value, logger, context.RequestAborted, targets) is { } problem)
            {
                return Results.LocalRedirect(Back(problem));
            }

            try
            {
                // Where the provider offers pushed authorization requests (RFC 9126) the handler uses them, and the
                // client's credentials are checked here, before the browser leaves.
                await context.ChallengeAsync(Scheme, new AuthenticationProperties { RedirectUri = target });
                return Results.Empty;
            }
            catch (Exception ex) when (ex is OpenIdConnectProtocolException or HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                var code = ProviderFailure.Classify(ex);
                logger.LogWarning(ex, "Sign-in through the provider could not start ({Code})", code);
                return Results.LocalRedirect(Back(code));
            }
        }).AllowAnonymous().RequireRateLimiting(SignInProtection.Policy);
        return endpoints;
    }

    /// <summary>
    /// Reads the provider's discovery document before sending anyone there, and holds it to OpenID Connect Discovery
    /// 1.0 §4.3: the issuer it states must be the one configured. Null when all is well, else a failure code.
    /// </summary>
    public static async Task<string?> CheckProviderAsync(OpenIdConnectOptions handler, OidcOptions settings, ILogger logger, CancellationToken cancellationToken, ProviderFormTargets? targets = null)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await handler.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException or TaskCanceledException or ArgumentException)
        {
            logger.LogWarning("The provider's discovery document at {Authority} could not be read: {Reason}", LogText.Safe(settings.Authority), LogText.Safe(ex.Message, 300));
            return ProviderFailure.Unreachable;
        }

        targets?.Learn(configuration);
        if (!SameIssuer(configuration.Issuer, settings.Authority!))
        {
            logger.LogWarning("The provider says its issuer is {Issuer}, but Authentication:Oidc:Authority is {Authority}", LogText.Safe(configuration.Issuer), LogText.Safe(settings.Authority));
            return ProviderFailure.IssuerMismatch;
        }

        return null;
    }

    /// <summary>The same issuer: identical but for a trailing slash and the host's case.</summary>
    public static bool SameIssuer(string? stated, string configured) =>
        Uri.TryCreate(stated?.TrimEnd('/'), UriKind.Absolute, out var a) && Uri.TryCreate(configured.Trim().TrimEnd('/'), UriKind.Absolute, out var b)
        && a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port
        && string.Equals(a.AbsolutePath, b.AbsolutePath, StringComparison.Ordinal);

    /// <summary>
    /// Ends the provider's session too (RP-initiated logout) when the user signed in through it and the provider has an
    /// end-session endpoint; the local session is already ended. Null: nothing more to do.
    /// </summary>
    public static async Task<IResult?> ProviderSignOutAsync(HttpContext context, string? idToken, string redirect)
    {
        var settings = context.RequestServices.GetRequiredService<IOptions<OidcOptions>>().Value;
        if (!settings.Enabled || idToken is null)
        {
            return null;
        }

        var handler = context.RequestServices.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(Scheme);
        try
        {
            var configuration = await handler.ConfigurationManager!.GetConfigurationAsync(context.RequestAborted);
            context.RequestServices.GetRequiredService<ProviderFormTargets>().Learn(configuration);
            if (string.IsNullOrEmpty(configuration.EndSessionEndpoint))
            {
                return null; // Google, for one, has none: the provider's session is the user's own to end.
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException or TaskCanceledException)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CostConsole.Oidc")
                .LogWarning("Signed out here only: the provider could not be reached to end its session ({Reason})", LogText.Safe(ex.Message, 300));
            return null;
        }

        context.Items[IdTokenItem] = idToken;
        return Results.SignOut(new AuthenticationProperties { RedirectUri = redirect }, [Scheme]);
    }
}

/// <summary>
/// The origins the sign-in and sign-out forms may lead to (CSP form-action; browsers hold redirects after a form post
/// to it): the Authority's, and those of the authorization and end-session endpoints once the discovery document has
/// been read (with most providers, the same origin).
/// </summary>
public sealed class ProviderFormTargets
{
    private readonly HashSet<string> _origins = [];
    private volatile string _sources;

    public ProviderFormTargets(IOptions<OidcOptions> options)
    {
        if (options.Value.Enabled && Uri.TryCreate(options.Value.Authority!.Trim(), UriKind.Absolute, out var authority))
        {
            _origins.Add(authority.GetLeftPart(UriPartial.Authority));
        }

        _sources = string.Join(' ', _origins);
    }

    /// <summary>Space-separated origins for form-action; empty when sign-in through a provider is off.</summary>
    public string Sources => _sources;

    public void Learn(OpenIdConnectConfiguration configuration)
    {
        lock (_origins)
        {
            foreach (var endpoint in new[] { configuration.AuthorizationEndpoint, configuration.EndSessionEndpoint })
            {
                // Only http(s) origins without anything a header could be broken with.
                if (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.IsWellFormedOriginalString())
                {
                    _origins.Add(uri.GetLeftPart(UriPartial.Authority));
                }
            }

            _sources = string.Join(' ', _origins);
        }
    }
}

/// <summary>What the no-access page shows (the email and groups the provider sent), carried in its URL, protected and short-lived.</summary>
public static class NoAccessTicket
{
    private const string Purpose = "CostConsole.NoAccess";

    public static string Protect(IServiceProvider services, string email, IReadOnlyList<string> groups) =>
        services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).ToTimeLimitedDataProtector()
            .Protect(JsonSerializer.Serialize(new Ticket(email, [.. groups.Take(50)])), TimeSpan.FromMinutes(15));

    public static (string Email, IReadOnlyList<string> Groups)? Read(IServiceProvider services, string? ticket)
    {
        if (string.IsNullOrEmpty(ticket))
        {
            return null;
        }

        try
        {
            var json = services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).ToTimeLimitedDataProtector().Unprotect(ticket);
            return JsonSerializer.Deserialize<Ticket>(json) is { } read ? (read.Email, read.Groups) : null;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    private sealed record Ticket(string Email, string[] Groups);
}

/// <summary>Whether CostConsole's own passwords are accepted now (<c>Authentication:LocalAccounts</c>).</summary>
public sealed class LocalAccounts(IOptions<LocalAccountOptions> local, IOptions<OidcOptions> oidc, IServiceProvider services)
{
    /// <summary>
    /// Local accounts can be switched off only once an enabled Admin has signed in through the provider: until then
    /// turning them off would lock everyone out, so they stay on (and the log says why).
    /// </summary>
    public async Task<bool> AllowedAsync(CancellationToken cancellationToken = default)
    {
        if (local.Value.LocalAccounts || !oidc.Value.Enabled)
        {
            return true;
        }

        return !await ProviderAdminExistsAsync(cancellationToken);
    }

    public async Task<bool> ProviderAdminExistsAsync(CancellationToken cancellationToken = default)
    {
        // Resolved here, not injected: with a bad database setting the factory cannot be built, and the sign-in page must still render.
        await using var db = await services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync(cancellationToken);
        return await (from login in db.UserLogins
                      join user in db.Users on login.UserId equals user.Id
                      join userRole in db.UserRoles on user.Id equals userRole.UserId
                      join role in db.Roles on userRole.RoleId equals role.Id
                      where login.LoginProvider == ProviderSignIn.LoginProvider && user.Enabled && role.Name == Roles.Admin
                      select user.Id).AnyAsync(cancellationToken);
    }
}
