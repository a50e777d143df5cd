using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CostConsole.Prometheus;

/// <summary>
/// Credentials for a Prometheus-compatible backend behind authentication: basic auth (Prometheus' own
/// <c>--web.config.file</c>, most proxies) or a bearer token (Grafana Cloud, Mimir/Cortex gateways, OAuth proxies).
/// Secrets can live in files (a mounted Kubernetes secret), read again on every call so a rotated token is used at once.
/// </summary>
public sealed class PrometheusAuthOptions
{
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string? PasswordFile { get; set; }
    public string? BearerToken { get; set; }
    public string? BearerTokenFile { get; set; }

    public bool Basic => !string.IsNullOrEmpty(Username);

    public bool Bearer => !string.IsNullOrEmpty(BearerToken) || !string.IsNullOrEmpty(BearerTokenFile);
}

/// <summary>TLS towards Prometheus: a private CA to trust, a client certificate to present, or (tests only) no checks.</summary>
public sealed class PrometheusTlsOptions
{
    /// <summary>PEM file of the CA(s) that signed Prometheus' certificate, trusted in addition to the system's.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM certificate and key presented when Prometheus asks for a client certificate.</summary>
    public string? CertFile { get; set; }
    public string? KeyFile { get; set; }

    /// <summary>Accept any certificate. For a test bench only: the Sources page warns while it is on.</summary>
    public bool InsecureSkipVerify { get; set; }
}

/// <summary>Builds the HTTP handler and the per-call headers from the Prometheus settings.</summary>
public static class PrometheusConnection
{
    /// <summary>The handler of the named client: client certificate, trusted CA and certificate checks as configured.</summary>
    public static SocketsHttpHandler Handler(PrometheusOptions options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var tls = options.Tls;
        if (!string.IsNullOrEmpty(tls.CertFile) && !string.IsNullOrEmpty(tls.KeyFile))
        {
            handler.SslOptions.ClientCertificates = [LoadClientCertificate(tls.CertFile, tls.KeyFile)];
        }

        if (tls.InsecureSkipVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (!string.IsNullOrEmpty(tls.CaFile))
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(tls.CaFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null && ChainsTo(certificate, authorities));
        }

        return handler;
    }

    /// <summary>Adds the configured credentials and extra headers to one call; secret files are read now, so a rotated one counts.</summary>
    public static void Apply(HttpRequestMessage request, PrometheusOptions options)
    {
        var auth = options.Auth;
        if (auth.Basic)
        {
            var password = auth.Password ?? ReadSecret(auth.PasswordFile);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{auth.Username}:{password}")));
        }
        else if (auth.Bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.BearerToken ?? ReadSecret(auth.BearerTokenFile));
        }

        foreach (var (name, value) in options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    /// <summary>What the settings say about how calls are authenticated, for pages (never a secret).</summary>
    public static string Describe(PrometheusOptions options)
    {
        List<string> parts = [];
        if (options.Auth.Basic) parts.Add($"basic auth as {options.Auth.Username}");
        else if (options.Auth.Bearer) parts.Add(options.Auth.BearerTokenFile is { Length: > 0 } file ? $"bearer token from {file}" : "bearer token");
        if (options.Headers.Count > 0) parts.Add("headers " + string.Join(", ", options.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase)));
        if (!string.IsNullOrEmpty(options.Tls.CertFile)) parts.Add("client certificate");
        if (!string.IsNullOrEmpty(options.Tls.CaFile)) parts.Add("CA from " + options.Tls.CaFile);
        if (options.Tls.InsecureSkipVerify) parts.Add("certificates not checked");
        return parts.Count == 0 ? "no authentication" : string.Join("; ", parts);
    }

    internal static X509Certificate2 LoadClientCertificate(string certFile, string keyFile)
    {
        // A certificate with an ephemeral key is not usable for TLS client authentication everywhere; export and re-import.
        using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    internal static string ReadSecret(string? file) => file is { Length: > 0 } ? File.ReadAllText(file).TrimEnd('\r', '\n') : "";

    private static bool ChainsTo(X509Certificate certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
