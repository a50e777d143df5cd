using CostConsole.Features.Identity;
using CostConsole.Features.Identity.Oidc;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace CostConsole.Tests.Unit;

/// <summary>Group claims → role and teams; the issuer comparison; failures → the codes the sign-in page explains.</summary>
public sealed class ProviderRolesTests
{
    private static OidcOptions Options() => new()
    {
        RoleClaims = new(StringComparer.OrdinalIgnoreCase)
        {
            ["costconsole-finance"] = "Finance",
            ["costconsole-engineers"] = "engineer",
            ["costconsole-admins"] = "Admin",
            ["/costconsole/managers"] = "Manager",
        },
        TeamManagerClaims = "costconsole-team-{team}-managers",
    };

    private static readonly string[] Teams = ["search", "Billing", "a.b"];

    [Fact]
    public void One_group_gives_its_role_compared_ignoring_case_and_the_rest_are_ignored()
    {
        var grant = ProviderRoles.Map(Options(), ["all-staff", "COSTCONSOLE-FINANCE", "vpn-users"], Teams);

        Assert.Equal(Roles.Finance, grant.Role);
        Assert.Equal(["COSTCONSOLE-FINANCE"], grant.RoleGroups);
        Assert.Empty(grant.Teams);
    }

    [Theory]
    [InlineData(new[] { "costconsole-finance", "costconsole-admins" }, "Admin")]
    [InlineData(new[] { "costconsole-finance", "costconsole-engineers" }, "Engineer")]
    [InlineData(new[] { "/costconsole/managers", "costconsole-finance" }, "Finance")]
    [InlineData(new[] { "/costconsole/managers" }, "Manager")]
    public void Several_roles_resolve_to_one_by_a_fixed_precedence(string[] groups, string role) =>
        Assert.Equal(role, ProviderRoles.Map(Options(), groups, Teams).Role);

    [Fact]
    public void A_team_managers_group_makes_a_manager_of_existing_teams_only()
    {
        var grant = ProviderRoles.Map(Options(), ["costconsole-team-billing-managers", "costconsole-team-search-managers", "costconsole-team-ghost-managers", "costconsole-team--managers"], Teams);

        Assert.Equal(Roles.Manager, grant.Role);
        Assert.Equal(["Billing", "search"], grant.Teams); // the teams' own spelling
        Assert.Equal(["ghost"], grant.UnknownTeams);
    }

    [Fact]
    public void The_pattern_is_literal_text_but_for_the_team_place()
    {
        var options = Options();
        options.TeamManagerClaims = "cc.team[{team}]+managers";

        Assert.Equal(["a.b"], ProviderRoles.Map(options, ["cc.team[a.b]+managers", "ccXteam[search]+managers", "cc.team[search]managers"], Teams).Teams);
    }

    [Fact]
    public void A_higher_role_keeps_no_managed_teams_and_no_groups_grant_nothing()
    {
        var admin = ProviderRoles.Map(Options(), ["costconsole-admins", "costconsole-team-search-managers"], Teams);
        Assert.Equal(Roles.Admin, admin.Role);
        Assert.Empty(admin.Teams);

        var nobody = ProviderRoles.Map(Options(), ["<script>alert(1)</script>", "", "costconsole-finance-not"], Teams);
        Assert.Null(nobody.Role);
        Assert.Empty(nobody.RoleGroups);
    }

    [Theory]
    [InlineData("https://login.example.com/realms/acme", "https://login.example.com/realms/acme/", true)]
    [InlineData("https://LOGIN.example.com/realms/acme", "https://login.example.com/realms/acme", true)]
    [InlineData("https://login.example.com/realms/Acme", "https://login.example.com/realms/acme", false)]
    [InlineData("https://login.microsoftonline.com/tid/v2.0", "https://login.microsoftonline.com/tid/", false)]
    [InlineData("http://localhost:4100", "http://127.0.0.1:4100", false)]
    [InlineData("http://login.example.com", "https://login.example.com", false)]
    [InlineData(null, "https://login.example.com", false)]
    public void The_issuer_must_be_the_configured_authority(string? stated, string configured, bool same) =>
        Assert.Equal(same, OidcSetup.SameIssuer(stated, configured));

    public static TheoryData<Exception, string> Failures => new()
    {
        { new SecurityTokenInvalidIssuerException("IDX10205"), ProviderFailure.IssuerMismatch },
        { new SecurityTokenSignatureKeyNotFoundException("IDX10503"), ProviderFailure.SigningKey },
        { new OpenIdConnectProtocolException("Message contains error: 'invalid_client', error_description: 'client authentication failed'"), ProviderFailure.Client },
        { new OpenIdConnectProtocolException("Message contains error: 'access_denied', error_description: 'End-User aborted interaction'"), ProviderFailure.Denied },
        { new InvalidOperationException("IDX20803: Unable to obtain configuration from: 'https://x/.well-known/openid-configuration'"), ProviderFailure.Unreachable },
        { new AuthenticationFailureException("Correlation failed."), ProviderFailure.Expired },
        { new Exception("wrapped", new SecurityTokenSignatureKeyNotFoundException("IDX10503")), ProviderFailure.SigningKey },
        { new Exception("something else"), ProviderFailure.Failed },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Each_failure_maps_to_a_code_whose_message_names_what_to_check(Exception failure, string code)
    {
        Assert.Equal(code, ProviderFailure.Classify(failure));
        Assert.False(string.IsNullOrEmpty(ProviderFailure.Message(code)));
    }

    private sealed class AuthenticationFailureException(string message) : Exception(message);
}

/// <summary>Each bad provider setting is refused with a message naming it (the start then stops; nothing is written).</summary>
public sealed class OidcOptionsValidationTests
{
    private static OidcOptions Valid() => new() { Authority = "https://login.example.com/realms/acme", ClientId = "costconsole", ClientSecret = "s3cret" };

    [Fact]
    public void A_complete_setting_and_an_absent_provider_pass() 
    {
        Assert.True(new ValidateOidcOptions().Validate(null, Valid()).Succeeded);
        Assert.True(new ValidateOidcOptions().Validate(null, new OidcOptions()).Succeeded);
    }

    public static TheoryData<string, string> Bad => new()
    {
        { "no secret", "Authentication:Oidc:ClientSecret (or ClientSecretFile) is required" },
        { "missing secret file", "Authentication:Oidc:ClientSecretFile '/nonexistent/oidc-secret' does not exist." },
        { "empty secret file", "is empty." },
        { "query in authority", "is not an http(s) URL without query" },
        { "quote in scopes", "Authentication:Oidc:Scopes 'openid \"email' must be scope names separated by spaces" },
        { "empty groups claim", "Authentication:Oidc:GroupsClaim must name a claim." },
        { "control character in email claim", "Authentication:Oidc:EmailClaim must name a claim." },
        { "long display name", "Authentication:Oidc:DisplayName must be 1 to 100 characters" },
        { "line break in access contact", "Authentication:Oidc:AccessContact must be at most 200 characters without control characters." },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void A_bad_setting_is_named(string setup, string message)
    {
        var options = Valid();
        var emptyFile = Path.GetTempFileName();
        try
        {
            switch (setup)
            {
                case "no secret": options.ClientSecret = null; break;
                case "missing secret file": options.ClientSecretFile = "/nonexistent/oidc-secret"; break;
                case "empty secret file": options.ClientSecretFile = emptyFile; break;
                case "query in authority": options.Authority += "?tenant=1"; break;
                case "quote in scopes": options.Scopes = "openid \"email"; break;
                case "empty groups claim": options.GroupsClaim = " "; break;
                case "control character in email claim": options.EmailClaim = "em\nail"; break;
                case "long display name": options.DisplayName = new string('x', 101); break;
                default: options.AccessContact = "ask\nroot"; break;
            }

            var result = new ValidateOidcOptions().Validate(null, options);

            Assert.True(result.Failed);
            Assert.Contains(result.Failures!, failure => failure.Contains(message, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(emptyFile);
        }
    }
}
