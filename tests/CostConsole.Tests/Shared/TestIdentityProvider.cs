using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CostConsole.Tests.Shared;

/// <summary>A user in the test provider's directory. No Email: the provider sends none.</summary>
public sealed record ProviderUser(string Id, string? Email, string Name, string Password, IReadOnlyList<string> Groups);

/// <summary>
/// A real OpenID provider on loopback: the npm package oidc-provider (a dev dependency in package.json), run by
/// IdentityProvider/provider.mjs with this test's client and a user store the test may rewrite while it runs.
/// Its issuer is http://localhost:port; the same server answers at 127.0.0.1 (an Authority that is not the issuer).
/// Stopped on dispose, and (started like Prometheus) at the test process' exit.
/// </summary>
public sealed partial class TestIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "costconsole";
    public const string ClientSecret = "test-client-secret-7f3a";

    private readonly Process _process;
    private readonly DirectoryInfo _folder;
    private readonly StringWriterLog _log;

    private TestIdentityProvider(Process process, DirectoryInfo folder, StringWriterLog log, int port)
    {
        (_process, _folder, _log, Port) = (process, folder, log, port);
    }

    public int Port { get; }

    /// <summary>The issuer, as its discovery document states it.</summary>
    public string Issuer => $"http://localhost:{Port}";

    /// <summary>The same server under another name: an Authority that does not match the issuer.</summary>
    public string OtherName => $"http://127.0.0.1:{Port}";

    public string Log => _log.Text;

    /// <param name="appBaseUrls">Where the app runs (its redirect and post-logout URIs are registered for each).</param>
    public static async Task<TestIdentityProvider> StartAsync(IEnumerable<ProviderUser> users, IEnumerable<string> appBaseUrls, bool publishWrongKeys = false)
    {
        var root = ProductProcess.RepositoryRoot;
        if (!Directory.Exists(Path.Combine(root, "node_modules", "oidc-provider")))
        {
            throw new FileNotFoundException("oidc-provider is not installed: run `npm ci` at the repository root (the test command does).");
        }

        var script = Path.Combine(root, "tests", "CostConsole.Tests", "Shared", "IdentityProvider", "provider.mjs");
        var folder = Directory.CreateTempSubdirectory("costconsole-idp-");
        var bases = appBaseUrls.Select(b => b.TrimEnd('/')).ToList();
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "clients.json"), JsonSerializer.Serialize(new[]
        {
            new Dictionary<string, object>
            {
                ["client_id"] = ClientId,
                ["client_secret"] = ClientSecret,
                ["redirect_uris"] = bases.Select(b => b + "/signin-oidc").ToArray(),
                ["post_logout_redirect_uris"] = bases.Select(b => b + "/signout-callback-oidc").ToArray(),
            },
        }));

        var port = PrometheusServer.FreePort();
        var log = new StringWriterLog();
        var process = PrometheusServer.Start("node", [script, "--port", $"{port}", "--users", Path.Combine(folder.FullName, "users.json"), "--clients", Path.Combine(folder.FullName, "clients.json"), .. publishWrongKeys ? new[] { "--publish-wrong-keys" } : []], log);
        var provider = new TestIdentityProvider(process, folder, log, port);
        await provider.SetUsersAsync(users);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited) throw new InvalidOperationException($"the test provider exited with {process.ExitCode}: {log.Text}");
            try
            {
                await http.GetStringAsync($"{provider.OtherName}/.well-known/openid-configuration");
                return provider;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }

        await provider.DisposeAsync();
        throw new TimeoutException($"the test provider did not answer within 30 s: {log.Text}");
    }

    /// <summary>Rewrites the provider's user store (its next login and claims lookup read it).</summary>
    public Task SetUsersAsync(IEnumerable<ProviderUser> users) =>
        File.WriteAllTextAsync(Path.Combine(_folder.FullName, "users.json"), JsonSerializer.Serialize(users.Select(u => new Dictionary<string, object?>
        {
            ["id"] = u.Id,
            ["email"] = u.Email,
            ["name"] = u.Name,
            ["password"] = u.Password,
            ["groups"] = u.Groups,
        })));

    /// <summary>The app's settings for this provider (the group names are the tests' own).</summary>
    public Dictionary<string, string?> Settings(string? authority = null, string? secret = null) => new()
    {
        ["Authentication:Oidc:Authority"] = authority ?? Issuer,
        ["Authentication:Oidc:ClientId"] = ClientId,
        ["Authentication:Oidc:ClientSecret"] = secret ?? ClientSecret,
        ["Authentication:Oidc:Scopes"] = "openid profile email groups",
        ["Authentication:Oidc:DisplayName"] = "Test provider",
        ["Authentication:Oidc:RoleClaims:costconsole-finance"] = "Finance",
        ["Authentication:Oidc:RoleClaims:costconsole-engineers"] = "Engineer",
        ["Authentication:Oidc:RoleClaims:costconsole-managers"] = "Manager",
        ["Authentication:Oidc:RoleClaims:costconsole-admins"] = "Admin",
        ["Authentication:Oidc:TeamManagerClaims"] = "costconsole-team-{team}-managers",
        ["Authentication:Oidc:AccessContact"] = "the FinOps team (#finops)",
    };

    /// <summary>The group that gives a role in <see cref="Settings"/>.</summary>
    public static string GroupFor(string role) => role switch
    {
        "Finance" => "costconsole-finance",
        "Engineer" => "costconsole-engineers",
        "Manager" => "costconsole-managers",
        "Admin" => "costconsole-admins",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>
    /// Signs in through the provider over HTTP as a browser would: the app's sign-in page and its button (a form post
    /// with the antiforgery token), the provider's login form, and back to the app's callback. Returns the app's last
    /// answer (a redirect to where the user lands, or to the page that says why not).
    /// </summary>
    /// <param name="app">A client of the app holding cookies and not following redirects.</param>
    public async Task<HttpResponseMessage> SignInAsync(HttpClient app, string login, string password, string returnUrl = "/")
    {
        var page = await app.GetStringAsync("/account/login");
        var token = AppFactory.AntiforgeryToken(page);
        var start = await app.PostAsync("/account/oidc", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = token,
        }));
        if (start.Headers.Location is not { IsAbsoluteUri: true } next || next.Port != Port)
        {
            return start; // refused before the provider: the sign-in page says why
        }

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var provider = new HttpClient(handler);
        for (var step = 0; step < 12; step++)
        {
            using var response = await provider.GetAsync(next);
            var html = await response.Content.ReadAsStringAsync();
            Uri? location = response.Headers.Location is { } l ? new Uri(next, l) : null;
            if (location is null && LoginForm().Match(html) is { Success: true } form)
            {
                using var posted = await provider.PostAsync(new Uri(next, form.Groups[1].Value), new FormUrlEncodedContent(new Dictionary<string, string> { ["login"] = login, ["password"] = password }));
                location = posted.Headers.Location is { } p ? new Uri(next, p) : throw new InvalidOperationException($"the provider refused the login: {await posted.Content.ReadAsStringAsync()}");
            }

            if (location is null)
            {
                throw new InvalidOperationException($"the provider answered {(int)response.StatusCode} without a redirect: {html}");
            }

            if (location.Port != Port)
            {
                // Back to the app: its callback, on the app's own client (cookies and all).
                return await app.GetAsync(location.PathAndQuery);
            }

            next = location;
        }

        throw new InvalidOperationException("the provider kept redirecting");
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+/login)\"")]
    private static partial Regex LoginForm();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
