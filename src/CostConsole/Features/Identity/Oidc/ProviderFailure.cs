using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace CostConsole.Features.Identity.Oidc;

/// <summary>
/// Why a sign-in through the provider failed, as a short code carried to the sign-in page (never the provider's own
/// text, which could be anything), and the message that page shows: what went wrong and which setting to look at.
/// </summary>
public static class ProviderFailure
{
    public const string Unreachable = "oidc-unreachable";
    public const string IssuerMismatch = "oidc-issuer";
    public const string Client = "oidc-client";
    public const string SigningKey = "oidc-key";
    public const string NoEmail = "oidc-email";
    public const string NoSubject = "oidc-sub";
    public const string Conflict = "oidc-conflict";
    public const string Unverified = "oidc-unverified";
    public const string Disabled = "oidc-disabled";
    public const string Denied = "oidc-denied";
    public const string Expired = "oidc-expired";
    public const string NoRole = "oidc-no-role";
    public const string NotConfigured = "oidc-off";
    public const string Failed = "oidc-failed";

    public static string? Message(string? code) => code switch
    {
        Unreachable => "The identity provider could not be reached or sent no valid discovery document: check Authentication:Oidc:Authority (the provider's issuer URL) and that this server can reach it.",
        IssuerMismatch => "The identity provider names a different issuer than Authentication:Oidc:Authority: set Authority to exactly the issuer in the provider's discovery document (scheme, host, path, trailing slash).",
        Client => "The identity provider refused this application's credentials: check Authentication:Oidc:ClientId and Authentication:Oidc:ClientSecret (or ClientSecretFile) against the client registered there.",
        SigningKey => "The identity provider's token is signed with a key it does not publish: check that Authentication:Oidc:Authority points at the provider that issues the tokens, and its signing keys.",
        NoEmail => "The identity provider sent no email address: add the email scope to Authentication:Oidc:Scopes, or name the claim that carries it in Authentication:Oidc:EmailClaim. No account was created.",
        NoSubject => "The identity provider's token has no subject (sub): it is not an OpenID Connect ID token. No account was created.",
        Conflict => "A CostConsole account with this email is already linked to another identity at the provider: ask an admin.",
        Unverified => "The identity provider has not verified this email address, which a CostConsole account already uses: verify it at the provider first.",
        Disabled => "Your CostConsole account is disabled: ask an admin to enable it.",
        Denied => "The sign-in was cancelled at the identity provider.",
        Expired => "The sign-in took too long or was started in another browser: try again.",
        NoRole => "Your groups at the identity provider give no role in CostConsole.",
        NotConfigured => "Sign-in through an identity provider is not configured (Authentication:Oidc:Authority).",
        Failed => "Sign-in through the identity provider failed; the server log says why.",
        _ => null,
    };

    /// <summary>The code for a failure of the provider's handler (the redirect back, the code exchange, the token's checks).</summary>
    public static string Classify(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SecurityTokenInvalidIssuerException:
                    return IssuerMismatch;
                case SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException:
                    return SigningKey;
                case OpenIdConnectProtocolException protocol when protocol.Message.Contains("invalid_client", StringComparison.Ordinal) || protocol.Message.Contains("unauthorized_client", StringComparison.Ordinal):
                    return Client;
                case OpenIdConnectProtocolException protocol when protocol.Message.Contains("access_denied", StringComparison.Ordinal):
                    return Denied;
                case HttpRequestException:
                    return Unreachable;
                case InvalidOperationException when e.Message.Contains("IDX20803", StringComparison.Ordinal) || e.Message.Contains("IDX10500", StringComparison.Ordinal):
                    return Unreachable;
            }
        }

        return failure?.Message.Contains("Correlation failed", StringComparison.Ordinal) == true || failure?.Message.Contains("state", StringComparison.OrdinalIgnoreCase) == true
            ? Expired
            : Failed;
    }
}
