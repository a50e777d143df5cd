using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CostConsole.Prometheus;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CostConsole.Tests.Integration;

/// <summary>
/// A real Prometheus locked with its own <c>--web.config.file</c>: TLS from a CA the test makes, a client certificate
/// required, and basic auth (bcrypt, as Prometheus wants it). Started once for the class.
/// </summary>
public sealed class LockedPrometheusFixture : IAsyncLifetime
{
    public const string User = "alice";
    public const string Password = "correct-prometheus-password";

    public DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("costconsole-tls-");

    public PrometheusServer Prometheus { get; private set; } = null!;

    public string CaFile => Path.Combine(Folder.FullName, "ca.crt");
    public string ClientCertFile => Path.Combine(Folder.FullName, "client.crt");
    public string ClientKeyFile => Path.Combine(Folder.FullName, "client.key");
    public string PasswordFile => Path.Combine(Folder.FullName, "password");

    public async Task InitializeAsync()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=CostConsole test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));

        X509Certificate2 Issue(string name, ECDsa key, bool server)
        {
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            if (server)
            {
                var names = new SubjectAlternativeNameBuilder();
                names.AddIpAddress(System.Net.IPAddress.Loopback);
                request.CertificateExtensions.Add(names.Build());
            }

            return request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(6), RandomNumberGenerator.GetBytes(8));
        }

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var server = Issue("127.0.0.1", serverKey, server: true);
        using var client = Issue("costconsole", clientKey, server: false);
        await File.WriteAllTextAsync(CaFile, ca.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(Folder.FullName, "server.crt"), server.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(Folder.FullName, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(ClientCertFile, client.ExportCertificatePem());
        await File.WriteAllTextAsync(ClientKeyFile, clientKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(PasswordFile, Password + "\n");

        var yaml = $"""
            tls_server_config:
              cert_file: {Folder.FullName}/server.crt
              key_file: {Folder.FullName}/server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: {CaFile}
            basic_auth_users:
              {User}: '{BCrypt.Net.BCrypt.HashPassword(Password, 4)}'
            """;
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(CaFile);
        var clientCertificate = PrometheusConnection.LoadClientCertificate(ClientCertFile, ClientKeyFile);
        HttpClient Ready()
        {
            var handler = new SocketsHttpHandler();
            handler.SslOptions.ClientCertificates = [clientCertificate];
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, errors) => errors is SslPolicyErrors.None or SslPolicyErrors.RemoteCertificateChainErrors;
            var http = new HttpClient(handler);
            http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{User}:{Password}")));
            return http;
        }

        Prometheus = await PrometheusServer.StartAsync(web: new WebConfig(yaml, Https: true, Ready));
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null) await Prometheus.DisposeAsync();
        Folder.Delete(recursive: true);
    }
}

/// <summary>
/// Prometheus behind credentials, TLS and a tenant-checking proxy, reached through the app's own registration of the
/// client: each setting works, and each wrong or missing one gets a message naming the setting, never the secret.
/// </summary>
public sealed class PrometheusConnectionTests(LockedPrometheusFixture locked) : IClassFixture<LockedPrometheusFixture>
{
    private readonly List<string> _logged = [];

    /// <summary>The client as the app builds it (AddCostConsolePrometheus), from these settings only; its log lines are kept.</summary>
    private PrometheusClient Client(IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new ListLogger(_logged)));
        services.AddCostConsolePrometheus(configuration);
        return services.BuildServiceProvider().GetRequiredService<PrometheusClient>();
    }

    private Dictionary<string, string?> Locked(params (string Key, string? Value)[] changes)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Prometheus:BaseUrl"] = locked.Prometheus.BaseUrl,
            ["Prometheus:TimeoutSeconds"] = "10",
            ["Prometheus:Auth:Username"] = LockedPrometheusFixture.User,
            ["Prometheus:Auth:PasswordFile"] = locked.PasswordFile,
            ["Prometheus:Tls:CaFile"] = locked.CaFile,
            ["Prometheus:Tls:CertFile"] = locked.ClientCertFile,
            ["Prometheus:Tls:KeyFile"] = locked.ClientKeyFile,
        };
        foreach (var (key, value) in changes) settings[key] = value;
        return settings;
    }

    [Fact]
    public async Task Basic_auth_a_private_ca_and_a_client_certificate_from_the_settings_open_a_locked_prometheus()
    {
        var build = await Client(Locked()).BuildInfoAsync();

        Assert.False(string.IsNullOrEmpty(build.Data.Version));
        Assert.StartsWith("https://", locked.Prometheus.BaseUrl);
    }

    [Fact]
    public async Task Skipping_certificate_checks_still_sends_the_client_certificate_and_credentials()
    {
        var build = await Client(Locked(("Prometheus:Tls:CaFile", null), ("Prometheus:Tls:InsecureSkipVerify", "true"))).BuildInfoAsync();

        Assert.False(string.IsNullOrEmpty(build.Data.Version));
    }

    [Fact]
    public async Task A_wrong_password_is_named_as_the_auth_setting_and_never_shown()
    {
        const string Wrong = "not-the-password-at-all";

        var refused = await Assert.ThrowsAsync<PrometheusException>(() =>
            Client(Locked(("Prometheus:Auth:PasswordFile", null), ("Prometheus:Auth:Password", Wrong))).BuildInfoAsync());

        Assert.Equal(PrometheusFailure.Unauthorized, refused.Failure);
        Assert.Contains("HTTP 401", refused.Message);
        Assert.Contains("Prometheus:Auth", refused.Message);
        Assert.DoesNotContain(Wrong, refused.Message);
        Assert.DoesNotContain(_logged, line => line.Contains(Wrong) || line.Contains(LockedPrometheusFixture.Password));
    }

    [Fact]
    public async Task An_untrusted_certificate_names_the_ca_setting()
    {
        var refused = await Assert.ThrowsAsync<PrometheusException>(() => Client(Locked(("Prometheus:Tls:CaFile", null))).BuildInfoAsync());

        Assert.Equal(PrometheusFailure.Unreachable, refused.Failure);
        Assert.Contains("Prometheus:Tls:CaFile", refused.Message);
    }

    [Fact]
    public async Task A_missing_client_certificate_names_the_certificate_settings()
    {
        var refused = await Assert.ThrowsAsync<PrometheusException>(() =>
            Client(Locked(("Prometheus:Tls:CertFile", null), ("Prometheus:Tls:KeyFile", null))).BuildInfoAsync());

        Assert.Contains("Prometheus:Tls:CertFile", refused.Message);
        Assert.Contains("client certificate", refused.Message);
    }

    [Fact]
    public async Task A_tenant_header_and_a_rotated_bearer_token_reach_prometheus_through_a_checking_proxy()
    {
        await using var plain = await PrometheusServer.StartAsync();
        // Like a Mimir or Cortex gateway: no tenant, no entry; then the bearer token must be the current one.
        await using var proxy = await NginxProxy.StartAsync(plain.BaseUrl, """
            if ($http_x_scope_orgid != "tenant-1") { return 401 "no org id\n"; }
            if ($http_authorization != "Bearer token-2") { return 401 "bad token\n"; }
            """);
        var tokenFile = Path.Combine(locked.Folder.FullName, "token-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(tokenFile, "token-1\n");
        var withoutTenant = Client(new Dictionary<string, string?> { ["Prometheus:BaseUrl"] = proxy.BaseUrl, ["Prometheus:Auth:BearerTokenFile"] = tokenFile });
        var client = Client(new Dictionary<string, string?>
        {
            ["Prometheus:BaseUrl"] = proxy.BaseUrl,
            ["Prometheus:Auth:BearerTokenFile"] = tokenFile,
            ["Prometheus:Headers:X-Scope-OrgID"] = "tenant-1",
        });

        var noTenant = await Assert.ThrowsAsync<PrometheusException>(() => withoutTenant.BuildInfoAsync());
        var oldToken = await Assert.ThrowsAsync<PrometheusException>(() => client.BuildInfoAsync());
        await File.WriteAllTextAsync(tokenFile, "token-2\n");
        var build = await client.BuildInfoAsync();

        Assert.Contains("no org id", noTenant.Message);
        Assert.Contains("Prometheus:Headers:X-Scope-OrgID", noTenant.Message);
        Assert.Contains("bad token", oldToken.Message);
        Assert.Contains("Prometheus:Auth", oldToken.Message);
        Assert.DoesNotContain("token-1", oldToken.Message);
        // The rotated token was read from the file by the same client, without a restart.
        Assert.False(string.IsNullOrEmpty(build.Data.Version));
        Assert.DoesNotContain(_logged, line => line.Contains("token-1") || line.Contains("token-2"));
    }
}
