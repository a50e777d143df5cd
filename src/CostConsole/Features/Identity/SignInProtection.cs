using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Identity;

/// <summary>
/// Sign-in that cannot be turned against users: the ASP.NET Core rate limiter throttles a client address before its
/// guesses can lock an account, and an unknown email, a wrong password and a locked account get the same answer
/// after the same work (one password hash each), so neither the answer nor its timing tells which accounts exist.
/// </summary>
public sealed class SignInProtection : IDisposable
{
    public const string Policy = "sign-in";

    private readonly PartitionedRateLimiter<string> _perAccount;
    private readonly IPasswordHasher<AppUser> _hasher;

    // A hash of a random password, verified when there is no real one to check, so every failure costs the same.
    private readonly string _decoyHash;
    private static readonly AppUser Decoy = new() { UserName = "decoy", Email = "decoy@invalid" };

    public SignInProtection(IOptions<Configuration.SecurityOptions> options, IPasswordHasher<AppUser> hasher)
    {
        var limits = options.Value;
        _hasher = hasher;
        _decoyHash = hasher.HashPassword(Decoy, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        _perAccount = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limits.SignInAttemptsPerAccount,
            Window = TimeSpan.FromMinutes(limits.SignInWindowMinutes),
            QueueLimit = 0,
        }));
    }

    /// <summary>Whether this client address may try this account now.</summary>
    public bool MayTry(IPAddress? client, string email)
    {
        using var lease = _perAccount.AttemptAcquire($"{client}|{email.Trim().ToUpperInvariant()}");
        return lease.IsAcquired;
    }

    /// <summary>The work a real password check does, spent where there is no password to check (an unknown or locked account).</summary>
    public void SpendDecoyCheck(string password) => _hasher.VerifyHashedPassword(Decoy, _decoyHash, password);

    public void Dispose() => _perAccount.Dispose();

    public static IServiceCollection AddSignInProtection(IServiceCollection services)
    {
        services.AddSingleton<SignInProtection>();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<Configuration.SecurityOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limits.SignInAttemptsPerAddress,
                    Window = TimeSpan.FromMinutes(limits.SignInWindowMinutes),
                    QueueLimit = 0,
                });
            });
            // A browser posted a form: send it back to the form, which says why, rather than a bare 429.
            limiter.OnRejected = (rejected, _) =>
            {
                rejected.HttpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
                rejected.HttpContext.Response.Headers.Location = $"{IdentitySetup.LoginPath}?error=throttled";
                return ValueTask.CompletedTask;
            };
        });
        return services;
    }
}
