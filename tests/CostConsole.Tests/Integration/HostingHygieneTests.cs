using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CostConsole.Tests.Integration;

/// <summary>Finding 7 of the security review, one test each: hosts, proxies, headers, readiness, logs, body sizes, files at rest.</summary>
[Collection(PrometheusCollection.Name)]
public sealed partial class HostingHygieneTests(HistoryFixture fixture)
{
    [Fact]
    public async Task The_host_header_never_reaches_a_redirect_and_allowed_hosts_are_honoured()
    {
        using (var app = new AppFactory(fixture.Prometheus.BaseUrl))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/budgets");
            request.Headers.Host = "evil.example";
            using var response = await app.Anonymous().SendAsync(request);

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/account/login?ReturnUrl=", response.Headers.Location!.OriginalString);
            Assert.DoesNotContain("evil.example", response.Headers.Location.OriginalString);
        }

        using var pinned = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?> { ["AllowedHosts"] = "costconsole.example.test" });
        using var foreign = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        foreign.Headers.Host = "evil.example";
        using var refused = await pinned.Anonymous().SendAsync(foreign);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }


    /// <summary>Signs in over a real port as a TLS-terminating proxy would pass it on, and returns the sign-in cookie's Set-Cookie and the page's HSTS header.</summary>
    private async Task<(string AuthCookie, string? Hsts)> SignInBehindProxyAsync(string? knownProxies)
    {
        var port = PrometheusServer.FreePort();
        var settings = new Dictionary<string, string?>();
        if (knownProxies is not null) settings["Hosting:KnownProxies"] = knownProxies;
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, settings);
        app.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        app.StartServer();
        var email = await app.CreateUserAsync(Roles.Finance);
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        HttpRequestMessage Proxied(HttpMethod method, string path)
        {
            var message = new HttpRequestMessage(method, path);
            message.Headers.Host = "costconsole.example.test";
            message.Headers.Add("X-Forwarded-Proto", "https");
            message.Headers.Add("X-Forwarded-For", "203.0.113.9");
            return message;
        }

        using var form = await http.SendAsync(Proxied(HttpMethod.Get, "/account/login"));
        var hsts = form.Headers.TryGetValues("Strict-Transport-Security", out var values) ? values.Single() : null;
        var antiforgery = form.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).ToList();
        var token = AppFactory.AntiforgeryToken(await form.Content.ReadAsStringAsync());
        using var post = Proxied(HttpMethod.Post, "/account/login");
        post.Headers.Add("Cookie", string.Join("; ", antiforgery));
        post.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = email, ["password"] = AppFactory.Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token });
        using var signedIn = await http.SendAsync(post);
        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        return (signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("CostConsole.Auth", StringComparison.Ordinal)), hsts);
    }

    [Fact]
    public async Task Behind_a_known_tls_proxy_the_cookie_is_secure_and_hsts_is_sent_and_an_unknown_one_is_not_believed()
    {
        var (proxied, hsts) = await SignInBehindProxyAsync("127.0.0.1");
        Assert.Contains("secure", proxied, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(hsts);
        Assert.Contains("max-age=", hsts);

        // Without Hosting:KnownProxies anyone could claim to be a proxy: the headers are ignored, the request is plain HTTP.
        var (direct, none) = await SignInBehindProxyAsync(null);
        Assert.Null(none);
        Assert.DoesNotContain("secure", direct, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/api/v1/spend")]
    [InlineData("/app.css")]
    [InlineData("/healthz")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);

        using var response = await app.Anonymous().GetAsync(path);

        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task An_oversized_body_is_a_413_problem_and_nothing_is_imported()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?> { ["Hosting:MaxRequestBodyBytes"] = $"{1024 * 1024}" });
        var engineer = await app.SignedInAsync(Roles.Engineer);
        var before = await engineer.GetStringAsync("/api/v1/prices");
        var file = new StringBuilder(Features.Pricing.PriceCsv.Header + "\n");
        for (var i = 0; file.Length < 2 * 1024 * 1024; i++) file.Append($"model-{i},2026-01-01T00:00:00Z,1,2,,\n");

        using var response = await engineer.PostAsync("/api/v1/prices/import?format=csv&dryRun=false&onlySeen=false", new StringContent(file.ToString(), Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("larger than 1,048,576 bytes (Hosting:MaxRequestBodyBytes)", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await engineer.GetStringAsync("/api/v1/prices"));
    }

    private sealed class CapturingLogs : ILoggerProvider
    {
        public List<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Lines) owner.Lines.Add(formatter(state, exception));
            }
        }
    }

    [Fact]
    public async Task A_sign_in_email_cannot_forge_a_log_line()
    {
        var logs = new CapturingLogs();
        using var app = new AppFactory(fixture.Prometheus.BaseUrl) { Replace = services => services.AddSingleton<ILoggerProvider>(logs) };

        await AppFactory.SignInAsync(app.Anonymous(), "mallory@example.test\nSigned in admin@example.test", "whatever password");

        List<string> lines;
        lock (logs.Lines) lines = [.. logs.Lines.Where(l => l.Contains("mallory", StringComparison.Ordinal))];
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.DoesNotContain('\n', l));
        Assert.Contains(lines, l => l.Contains("mallory@example.test\\u000aSigned in admin@example.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_database_file_and_the_keys_folder_are_the_apps_users_alone()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        await app.SignedInAsync(Roles.Finance); // the first sign-in writes the first key

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(app.DatabasePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(app.Folder.FullName, "keys")));
    }

    [Fact]
    public async Task With_a_certificate_configured_the_keys_are_encrypted_at_rest()
    {
        var folder = Directory.CreateTempSubdirectory("costconsole-cert-");
        try
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=CostConsole data protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            var pfx = Path.Combine(folder.FullName, "keys.pfx");
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "pfx password"));
            var keys = Path.Combine(folder.FullName, "keys");
            using var app = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
            {
                ["DataProtection:KeysFolder"] = keys,
                ["DataProtection:CertificatePath"] = pfx,
                ["DataProtection:CertificatePassword"] = "pfx password",
            });

            var client = await app.SignedInAsync(Roles.Finance);

            var key = await File.ReadAllTextAsync(Directory.GetFiles(keys, "key-*.xml").Single());
            Assert.Contains("encryptedSecret", key);
            Assert.DoesNotContain("<masterKey", key);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/budgets")).StatusCode); // the session's cookie reads back
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
