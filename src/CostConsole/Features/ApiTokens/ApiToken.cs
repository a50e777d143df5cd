using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using CostConsole.Data;
using CostConsole.Features.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.ApiTokens;

/// <summary>An API token for scripts: stored only as a SHA-256 hash, shown once, revocable, with exactly one role.</summary>
public sealed class ApiToken
{
    public const int MaxNameLength = 80;

    public int Id { get; set; }
    public required string Name { get; set; }
    public required string Role { get; set; }
    /// <summary>The first characters, so a person can tell tokens apart without the secret.</summary>
    public required string Prefix { get; set; }
    public required string Hash { get; set; }
    public DateTimeOffset CreatedUtc { get; set; }
    public string CreatedBy { get; set; } = "";
    /// <summary>The user who created it (null for the operator's command line): the token never acts with more than this user's current role.</summary>
    public string? CreatedByUserId { get; set; }
    public DateTimeOffset? RevokedUtc { get; set; }
    public DateTimeOffset? LastUsedUtc { get; set; }
}

public sealed record ApiTokenSummary(int Id, string Name, string Role, string Prefix, DateTimeOffset CreatedUtc, string CreatedBy, DateTimeOffset? RevokedUtc, DateTimeOffset? LastUsedUtc);

public sealed class ApiTokenService(IDbContextFactory<CostConsoleDbContext> dbFactory, TimeProvider time, ILogger<ApiTokenService> logger)
{
    public const string TokenPrefix = "cc_";

    public static string HashOf(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Creates a token and returns its secret, which is never stored and cannot be shown again.</summary>
    /// <param name="creatorUserId">The admin creating it on the page (null: the operator's command line). The token never acts with more than this user's role at the time it is used.</param>
    public async Task<(AdminResult Result, string? Token)> CreateAsync(string? name, string? role, string actor, CancellationToken cancellationToken = default, string? creatorUserId = null)
    {
        var trimmed = name?.Trim() ?? "";
        var canonicalRole = Roles.Normalize(role);
        List<string> errors = [];
        if (trimmed.Length == 0) errors.Add("A token needs a name that says what uses it.");
        if (trimmed.Length > ApiToken.MaxNameLength) errors.Add($"A token name has at most {ApiToken.MaxNameLength} characters.");
        if (trimmed.Any(char.IsControl)) errors.Add("A token name cannot contain control characters.");
        if (canonicalRole is null) errors.Add($"'{role}' is not a role; use one of {string.Join(", ", Roles.All)}.");
        if (errors.Count > 0)
        {
            return (new AdminResult(false, errors), null);
        }

        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.ApiTokens.AnyAsync(t => t.Name == trimmed && t.RevokedUtc == null, cancellationToken))
        {
            return (AdminResult.Fail($"An active token named '{trimmed}' already exists."), null);
        }

        db.ApiTokens.Add(new ApiToken { Name = trimmed, Role = canonicalRole!, Prefix = token[..10], Hash = HashOf(token), CreatedUtc = time.GetUtcNow(), CreatedBy = actor, CreatedByUserId = creatorUserId });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("API token {Name} created with role {Role} by {Actor}", trimmed, canonicalRole, actor);
        return (AdminResult.Ok, token);
    }

    /// <summary>A token acts for its creator: only while the creator is enabled and is an Admin or holds the token's role.</summary>
    private static async Task<bool> CreatorStillHoldsAsync(CostConsoleDbContext db, string creatorId, string role, CancellationToken cancellationToken)
    {
        var enabled = await db.Users.Where(u => u.Id == creatorId).Select(u => (bool?)u.Enabled).SingleOrDefaultAsync(cancellationToken);
        if (enabled is not true) return false;
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == creatorId select r.Name).ToListAsync(cancellationToken);
        return roles.Contains(Roles.Admin) || roles.Contains(role);
    }

    public async Task<IReadOnlyList<ApiTokenSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.ApiTokens.AsNoTracking().ToListAsync(cancellationToken);
        return [.. tokens.OrderBy(t => t.RevokedUtc is not null).ThenBy(t => t.Name, StringComparer.OrdinalIgnoreCase)
            .Select(t => new ApiTokenSummary(t.Id, t.Name, t.Role, t.Prefix, t.CreatedUtc, t.CreatedBy, t.RevokedUtc, t.LastUsedUtc))];
    }

    public async Task<AdminResult> RevokeAsync(int id, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (token is null) return AdminResult.Fail("That token no longer exists.");
        if (token.RevokedUtc is not null) return AdminResult.Ok;
        token.RevokedUtc = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("API token {Name} revoked by {Actor}", token.Name, actor);
        return AdminResult.Ok;
    }

    /// <summary>The token's name and role when it is valid and not revoked.</summary>
    public async Task<(string Name, string Role)?> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return null;
        }

        var hash = HashOf(token);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await db.ApiTokens.SingleOrDefaultAsync(t => t.Hash == hash && t.RevokedUtc == null, cancellationToken);
        if (found is null)
        {
            return null;
        }

        if (found.CreatedByUserId is { } creatorId && !await CreatorStillHoldsAsync(db, creatorId, found.Role, cancellationToken))
        {
            logger.LogWarning("API token {Name} refused: its creator is disabled, gone or no longer holds its role", found.Name);
            return null;
        }

        var now = time.GetUtcNow();
        if (found.LastUsedUtc is null || now - found.LastUsedUtc > TimeSpan.FromMinutes(5))
        {
            found.LastUsedUtc = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return (found.Name, found.Role);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary><c>Authorization: Bearer cc_…</c> on API paths.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = IdentitySetup.ApiTokenScheme;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var found = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (found is not { } token)
        {
            return AuthenticateResult.Fail("The API token is unknown or revoked.");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, $"token:{token.Name}"), new Claim(ClaimTypes.Role, token.Role)],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

public static class ApiTokenSetup
{
    /// <summary>The token service and the scheme that <see cref="IdentitySetup.SelectScheme"/> forwards bearer requests to.</summary>
    public static IServiceCollection AddCostConsoleApiTokens(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(IdentitySetup.ApiTokenScheme, null);
        services.AddSingleton<ApiTokenService>();
        return services;
    }
}
