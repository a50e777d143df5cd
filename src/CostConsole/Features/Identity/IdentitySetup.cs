using CostConsole.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Identity;

public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    /// <summary>Email of the first admin, created at start when no user with it exists. Empty: no bootstrap.</summary>
    public string? AdminEmail { get; set; }

    /// <summary>Its password: set it through the environment (Bootstrap__AdminPassword), never in a committed file.</summary>
    public string? AdminPassword { get; set; }
}

public static class IdentitySetup
{
    public const string LoginPath = "/account/login";

    /// <summary>Length over composition rules (NIST SP 800-63B).</summary>
    public const int MinimumPasswordLength = 12;

    /// <summary>API paths with a bearer token authenticate by token; everything else by the sign-in cookie.</summary>
    public const string SelectScheme = "CookieOrToken";

    /// <summary>The API-token scheme, registered by <c>AddCostConsoleApiTokens</c> (Features/ApiTokens).</summary>
    public const string ApiTokenScheme = "ApiToken";

    /// <summary>Paths read by scripts and Prometheus: they take API tokens and answer 401 rather than redirect.</summary>
    public static bool IsMachinePath(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/openapi");

    public static IServiceCollection AddCostConsoleIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityStateProvider>();
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = SelectScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddPolicyScheme(SelectScheme, "Cookie or API token", policy => policy.ForwardDefaultSelector = context =>
                IsMachinePath(context.Request.Path) && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiTokenScheme
                    : IdentityConstants.ApplicationScheme)
            .AddIdentityCookies();

        services.AddIdentityCore<AppUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.SignIn.RequireConfirmedAccount = false;
                options.Password.RequiredLength = MinimumPasswordLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<CostConsoleDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = LoginPath;
            cookie.AccessDeniedPath = "/status/403";
            cookie.Cookie.Name = "CostConsole.Auth";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.SlidingExpiration = true;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
            // Pages answer 403 in place (rendered by the status page); the API never redirects.
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
            cookie.Events.OnRedirectToLogin = context =>
            {
                if (IsMachinePath(context.Request.Path))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                }

                // Relative: the request's Host header (anyone's to choose) never reaches a Location.
                context.Response.Redirect(Uri.TryCreate(context.RedirectUri, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : context.RedirectUri);
                return Task.CompletedTask;
            };
            // Secure whenever the request is HTTPS, directly or through a known proxy's X-Forwarded-Proto.
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        // Sign-in cookies survive restarts only if the keys that protect them do: keep them beside the database.
        // Configured lazily: settings added by hosts and tests arrive after registration.
        services.AddDataProtection().SetApplicationName("CostConsole");
        services.AddOptions<KeyManagementOptions>().Configure<IConfiguration, ILoggerFactory, IServiceProvider>((keys, settings, loggers, provider) =>
        {
            // On PostgreSQL the keys live in the database, so a cookie one replica issues is read by every other (unless
            // DataProtection:KeysFolder names a shared folder); SQLite's single app keeps them in a folder.
            // A database that could not be opened at start cannot hold them: the folder serves, so the sign-in page can say why.
            keys.XmlRepository = provider.GetRequiredService<Data.DatabaseProviderChoice>().Provider == Data.DatabaseProvider.PostgreSql
                && provider.GetRequiredService<Data.DatabaseStatus>().Ready && string.IsNullOrWhiteSpace(settings["DataProtection:KeysFolder"])
                ? new Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.EntityFrameworkCoreXmlRepository<Data.CostConsoleDbContext>(provider, loggers)
                : new FileSystemXmlRepository(PrivateFolder(KeysFolder(settings)), loggers);
            // At rest the keys are encrypted with a certificate when one is configured (DataProtection:CertificatePath).
            if (settings["DataProtection:CertificatePath"] is { Length: > 0 } certificate)
            {
                keys.XmlEncryptor = new Microsoft.AspNetCore.DataProtection.XmlEncryption.CertificateXmlEncryptor(
                    System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(certificate, settings["DataProtection:CertificatePassword"]), loggers);
            }
        });

        services.AddAuthorizationBuilder()
            .AddCostConsolePolicies()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        // Lockout from the validated Security section, read when Identity first asks (hosts and tests add settings late).
        services.AddOptions<IdentityOptions>().Configure<IOptions<Configuration.SecurityOptions>>((identity, security) =>
        {
            identity.Lockout.MaxFailedAccessAttempts = security.Value.MaxFailedSignIns;
            identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(security.Value.LockoutMinutes);
        });
        // Roles and disabling take effect within Security:RevalidateSeconds: the cookie's security stamp is checked that often
        // (and a live page's, see RevalidatingIdentityStateProvider); role changes and disabling renew the stamp.
        services.AddOptions<SecurityStampValidatorOptions>().Configure<IOptions<Configuration.SecurityOptions>>((stamp, security) =>
            stamp.ValidationInterval = TimeSpan.FromSeconds(security.Value.RevalidateSeconds));
        SignInProtection.AddSignInProtection(services);
        Oidc.OidcSetup.AddCostConsoleProviderSignIn(services, configuration);
        services.AddOptions<BootstrapOptions>().Bind(configuration.GetSection(BootstrapOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BootstrapOptions>, ValidateBootstrapOptions>();
        services.AddScoped<UserAdministration>();
        services.AddScoped<AdminCheck>();
        services.TryAddSingleton<UserCurrency>();
        return services;
    }

    /// <summary>The keys folder, created readable by the app's user only (the keys sign and encrypt every session).</summary>
    private static DirectoryInfo PrivateFolder(string path)
    {
        if (!Directory.Exists(path) && !OperatingSystem.IsWindows())
        {
            return Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return new DirectoryInfo(path);
    }

    /// <summary>DataProtection:KeysFolder, or a "keys" folder beside the SQLite database file.</summary>
    public static string KeysFolder(IConfiguration configuration)
    {
        var configured = configuration["DataProtection:KeysFolder"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        string dataSource;
        try
        {
            dataSource = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(configuration.GetConnectionString("CostConsole") ?? "").DataSource;
        }
        catch (ArgumentException)
        {
            dataSource = ""; // The database check reports the bad connection string; keys go beside the binary meanwhile.
        }

        var folder = string.IsNullOrEmpty(dataSource) || dataSource == ":memory:" ? AppContext.BaseDirectory : Path.GetDirectoryName(Path.GetFullPath(dataSource))!;
        return Path.Combine(folder, "keys");
    }

    /// <summary>Creates the roles, and the first admin when configuration names one. Never invents a password.</summary>
    public static async Task SeedIdentityAsync(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<DatabaseStatus>().Ready)
        {
            return;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        await admin.EnsureRolesAsync();
        var bootstrap = scope.ServiceProvider.GetRequiredService<IOptions<BootstrapOptions>>().Value;
        if (!string.IsNullOrWhiteSpace(bootstrap.AdminEmail))
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            if (await users.FindByEmailAsync(bootstrap.AdminEmail) is null)
            {
                if (string.IsNullOrEmpty(bootstrap.AdminPassword))
                {
                    app.Logger.LogError("Bootstrap:AdminEmail is set but Bootstrap:AdminPassword is not; set it through the environment (Bootstrap__AdminPassword). No admin was created.");
                }
                else
                {
                    var result = await admin.CreateAsync(bootstrap.AdminEmail, Roles.Admin, bootstrap.AdminPassword);
                    if (!result.Succeeded)
                    {
                        app.Logger.LogError("The bootstrap admin {Email} could not be created: {Errors}", bootstrap.AdminEmail, string.Join(" ", result.Errors));
                    }
                }
            }
        }

        if (!await admin.AnyAdminAsync())
        {
            app.Logger.LogWarning("No admin exists yet. Create one with: dotnet CostConsole.dll users create --email you@example.com --role Admin (the password is prompted, or read from COSTCONSOLE_PASSWORD).");
        }
    }
}
