using System.Text.RegularExpressions;
using CostConsole.Configuration;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Identity.Oidc;

/// <summary>
/// Sign-in through the company's OpenID Connect provider (<c>Authentication:Oidc</c>). Off while Authority is empty.
/// Roles and team management come from the provider's group (or role) claims, mapped here, at every sign-in.
/// </summary>
public sealed class OidcOptions
{
    public const string Section = "Authentication:Oidc";

    /// <summary>The issuer URL, exactly as the provider's discovery document states it (https; http only on loopback).</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>Set through the environment (Authentication__Oidc__ClientSecret) or <see cref="ClientSecretFile"/>, never in a committed file.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A file holding the client secret (a mounted Kubernetes or Docker secret); wins over ClientSecret.</summary>
    public string? ClientSecretFile { get; set; }

    /// <summary>Scopes asked for, separated by spaces as OAuth writes them; openid is always one.</summary>
    public string Scopes { get; set; } = "openid profile email";

    public IReadOnlyList<string> ScopeList => (Scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The sign-in button says "Sign in with {DisplayName}".</summary>
    public string DisplayName { get; set; } = "your company account";

    /// <summary>
    /// The claim whose values are the user's groups. What providers put there (their references, read for this): Entra ID
    /// the groups' object IDs, none past 200 groups in a JWT ("Configure group claims for applications", Microsoft Learn),
    /// app roles in "roles"; Okta the group names its groups-claim filter lets through ("Customize tokens returned from Okta
    /// with a groups claim"); Keycloak what its Group Membership mapper writes, "/name" with full group path on
    /// (org.keycloak.protocol.oidc.mappers.GroupMembershipMapper, useFullPath); Google none.
    /// </summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>The claim holding the user's email.</summary>
    public string EmailClaim { get; set; } = "email";

    /// <summary>Group value → CostConsole role, compared ignoring case (for example costconsole-finance → Finance).</summary>
    public Dictionary<string, string> RoleClaims { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A group pattern naming a team, with {team} where the team's name stands: costconsole-team-{team}-managers.</summary>
    public string? TeamManagerClaims { get; set; }

    /// <summary>Whom a signed-in user without a role should ask (shown on the no-access page): a name, a mail address, a channel.</summary>
    public string? AccessContact { get; set; }

    /// <summary>
    /// The longest a session begun at the provider lasts (hours): then the provider is asked again (usually without a
    /// password, its own session being open) and the groups are read afresh, so a role follows them at least this often.
    /// </summary>
    public int SessionHours { get; set; } = 8;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>The secret: the file's contents when ClientSecretFile is set, else ClientSecret.</summary>
    public string? ResolveClientSecret() =>
        string.IsNullOrWhiteSpace(ClientSecretFile) ? ClientSecret : File.ReadAllText(ClientSecretFile).Trim();

    /// <summary>Where a provider may be reached over plain http: only this machine (a provider started for trying or testing).</summary>
    public static bool IsLoopback(Uri uri) => uri.IsLoopback;

    /// <summary>The team-manager pattern as a regular expression with one group, "team"; null when no pattern is set.</summary>
    public Regex? TeamPattern() => string.IsNullOrWhiteSpace(TeamManagerClaims)
        ? null
        : new Regex("^" + Regex.Escape(TeamManagerClaims.Trim()).Replace(Regex.Escape("{team}"), "(?<team>.+)", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
}

/// <summary>Whether people may also sign in with a CostConsole password (<c>Authentication:LocalAccounts</c>).</summary>
public sealed class LocalAccountOptions
{
    public const string Section = "Authentication";

    /// <summary>False: only the provider signs people in, once an enabled Admin has signed in through it (until then local accounts stay on).</summary>
    public bool LocalAccounts { get; set; } = true;
}

internal sealed class ValidateOidcOptions : IValidateOptions<OidcOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcOptions options)
    {
        // The mapping is checked whether or not a provider is set, so a mistake shows before the day it is switched on.
        List<string> failures = [.. MappingFailures(options)];
        if (!options.Enabled)
        {
            return OptionText.Result(failures);
        }

        if (!Uri.TryCreate(options.Authority!.Trim(), UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(authority.Query) || !string.IsNullOrEmpty(authority.Fragment))
        {
            failures.Add($"Authentication:Oidc:Authority '{OptionText.Printable(options.Authority)}' is not an http(s) URL without query (the provider's issuer, e.g. https://login.example.com/realms/acme).");
        }
        else if (authority.Scheme == "http" && !OidcOptions.IsLoopback(authority))
        {
            failures.Add($"Authentication:Oidc:Authority '{OptionText.Printable(options.Authority)}' must use https: tokens and the client secret would cross the network in clear (http is accepted on loopback only).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add("Authentication:Oidc:ClientId is required when Authentication:Oidc:Authority is set (the client or application ID registered at the provider).");
        }

        if (!string.IsNullOrWhiteSpace(options.ClientSecretFile))
        {
            if (!File.Exists(options.ClientSecretFile))
            {
                failures.Add($"Authentication:Oidc:ClientSecretFile '{OptionText.Printable(options.ClientSecretFile)}' does not exist.");
            }
            else
            {
                try
                {
                    if (string.IsNullOrWhiteSpace(File.ReadAllText(options.ClientSecretFile)))
                    {
                        failures.Add($"Authentication:Oidc:ClientSecretFile '{OptionText.Printable(options.ClientSecretFile)}' is empty.");
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    failures.Add($"Authentication:Oidc:ClientSecretFile '{OptionText.Printable(options.ClientSecretFile)}' cannot be read ({ex.GetType().Name}).");
                }
            }
        }
        else if (string.IsNullOrEmpty(options.ClientSecret))
        {
            failures.Add("Authentication:Oidc:ClientSecret (or ClientSecretFile) is required: set it through the environment (Authentication__Oidc__ClientSecret).");
        }

        if (options.ScopeList.Any(s => s.Any(c => c < ' ' || c is '"' or '\\' || c > '~')))
        {
            failures.Add($"Authentication:Oidc:Scopes '{OptionText.Printable(options.Scopes)}' must be scope names separated by spaces (printable ASCII without quotes or backslashes).");
        }

        foreach (var claim in new[] { ("GroupsClaim", options.GroupsClaim), ("EmailClaim", options.EmailClaim) })
        {
            if (string.IsNullOrWhiteSpace(claim.Item2) || claim.Item2.Any(char.IsControl))
            {
                failures.Add($"Authentication:Oidc:{claim.Item1} must name a claim.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.DisplayName) || options.DisplayName.Length > 100 || options.DisplayName.Any(char.IsControl))
        {
            failures.Add("Authentication:Oidc:DisplayName must be 1 to 100 characters without control characters.");
        }

        return OptionText.Result(failures);
    }

    private static IEnumerable<string> MappingFailures(OidcOptions options)
    {
        foreach (var (group, role) in options.RoleClaims)
        {
            if (Roles.Normalize(role) is null)
            {
                yield return $"Authentication:Oidc:RoleClaims:{OptionText.Printable(group)} is '{OptionText.Printable(role)}', not a role; use one of {string.Join(", ", Roles.All)}.";
            }
        }

        if (!string.IsNullOrWhiteSpace(options.TeamManagerClaims) && options.TeamManagerClaims.Trim().Split("{team}").Length - 1 != 1)
        {
            yield return $"Authentication:Oidc:TeamManagerClaims '{OptionText.Printable(options.TeamManagerClaims.Trim())}' must contain {{team}} exactly once (for example costconsole-team-{{team}}-managers).";
        }

        if (options.SessionHours is < 1 or > 720)
        {
            yield return $"Authentication:Oidc:SessionHours must be between 1 and 720 (was {options.SessionHours}).";
        }

        if (options.AccessContact is { Length: > 200 } || options.AccessContact?.Any(char.IsControl) == true)
        {
            yield return "Authentication:Oidc:AccessContact must be at most 200 characters without control characters.";
        }
    }
}
