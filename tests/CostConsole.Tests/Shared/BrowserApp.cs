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

    public static async Task<BrowserApp> StartAsync(string prometheusUrl, TimeProvider? time = null, IDictionary<string, string?>? settings = null)
    {
        var port = PrometheusServer.FreePort();
        var app = new AppFactory(prometheusUrl, settings, time);
        app.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port));
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

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        App.Dispose();
    }
}
