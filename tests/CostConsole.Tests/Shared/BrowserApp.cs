using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;

namespace CostConsole.Tests.Shared;

/// <summary>The app on a real Kestrel port with Debian Chromium beside it, for the end-to-end journeys.</summary>
public sealed class BrowserApp : IAsyncDisposable
{
    private readonly BrowserFixture _browser = new();

    private BrowserApp(AppFactory app, string baseUrl)
    {
        App = app;
        BaseUrl = baseUrl;
    }

    public AppFactory App { get; }

    public string BaseUrl { get; }

    /// <param name="port">The loopback port to listen on, when something must know it first (an identity provider's redirect URIs).</param>
    public static async Task<BrowserApp> StartAsync(string prometheusUrl, TimeProvider? time = null, IDictionary<string, string?>? settings = null, int? port = null)
    {
        port ??= PrometheusServer.FreePort();
        var app = new AppFactory(prometheusUrl, settings, time);
        app.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port.Value));
        app.StartServer();
        var started = new BrowserApp(app, $"http://127.0.0.1:{port}");
        await started._browser.InitializeAsync();
        return started;
    }

    /// <summary>Opens a page that asks for sign-in and signs in as a new user of the role through the real form.</summary>
    public async Task<IPage> SignInAsync(string role, string? returnPath = null) => await SignInAsUserAsync(await App.CreateUserAsync(role), returnPath);

    /// <summary>Opens a page that asks for sign-in and signs in as an existing user (made with <see cref="AppFactory.CreateUserAsync"/>).</summary>
    public async Task<IPage> SignInAsUserAsync(string email, string? returnPath = null)
    {
        var page = await _browser.Browser.NewPageAsync();
        await page.GotoAsync(BaseUrl + (returnPath ?? "/"));
        await page.WaitForURLAsync(new Regex("/account/login"));
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", AppFactory.Password);
        await page.ClickAsync("[data-testid='sign-in']");
        return page;
    }

    /// <summary>A new tab of the same browser (one cookie jar for the app and the identity provider, as a person has).</summary>
    public Task<IPage> NewPageAsync() => _browser.Browser.NewPageAsync();

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        App.Dispose();
    }
}
