using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Identity.Oidc;

/// <summary>
/// Degraded, not down, when the identity provider cannot be read: local accounts and open sessions still work. Bounded
/// to two seconds, so a slow provider never makes a readiness probe time out.
/// </summary>
internal sealed class IdentityProviderHealthCheck(
    IOptions<OidcOptions> settings,
    IOptionsMonitor<OpenIdConnectOptions> handlers,
    ProviderFormTargets targets) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!settings.Value.Enabled)
        {
            return HealthCheckResult.Healthy("Identity provider: none configured (CostConsole accounts only)");
        }

        string? problem;
        try
        {
            // Not logged here: probes come every few seconds, and the description already says what is wrong.
            problem = await OidcSetup.CheckProviderAsync(handlers.Get(OidcSetup.Scheme), settings.Value, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, cancellationToken, targets)
                .WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (TimeoutException)
        {
            problem = ProviderFailure.Unreachable;
        }

        return problem is null
            ? HealthCheckResult.Healthy($"Identity provider: {settings.Value.Authority} answers")
            : HealthCheckResult.Degraded($"Identity provider: {ProviderFailure.Message(problem)}");
    }
}
