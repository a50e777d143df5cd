using System.Text.RegularExpressions;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.Playwright;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// The app on a real Kestrel port, the real Prometheus with history, Debian Chromium: each role signs in, sees the
/// home page, and tries a page it may or may not open. Screenshots land in artifacts/screenshots.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class SmokeTests(HistoryFixture prometheus) : IAsyncLifetime
{
    private BrowserApp _app = null!;
    private string _baseUrl = null!;

    public async Task InitializeAsync()
    {
        _app = await BrowserApp.StartAsync(prometheus.Prometheus.BaseUrl);
        _baseUrl = _app.BaseUrl;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<IPage> SignInAsync(string role, string? returnPath = null) => _app.SignInAsync(role, returnPath);

    [Theory]
    [InlineData(Roles.Finance)]
    [InlineData(Roles.Engineer)]
    [InlineData(Roles.Manager)]
    [InlineData(Roles.Admin)]
    public async Task Each_role_signs_in_sees_home_and_meets_the_admin_page(string role)
    {
        var page = await SignInAsync(role);

        await page.WaitForSelectorAsync("#overview-title", new() { Timeout = 30_000 });
        await page.GotoAsync(_baseUrl + "/datasource");
        await page.WaitForSelectorAsync("[data-testid='metrics-ok']", new() { Timeout = 30_000 });
        Assert.Equal(role, (await page.InnerTextAsync("[data-testid='signed-in-role']")).Trim());
        Assert.Contains(prometheus.Prometheus.BaseUrl, await page.InnerTextAsync("[data-testid='prometheus-url']"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, $"home-{role.ToLowerInvariant()}-1280x800.png"), FullPage = true });

        await page.GotoAsync(_baseUrl + "/admin/users");
        if (role == Roles.Admin)
        {
            await page.WaitForSelectorAsync("[data-testid='create-user']");
            Assert.Contains("Users", await page.InnerTextAsync("h4"));
        }
        else
        {
            await page.WaitForSelectorAsync("[data-testid='status-page'][data-status='403']");
            Assert.Contains("403", await page.InnerTextAsync("[data-testid='status-page']"));
        }

        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, $"admin-users-as-{role.ToLowerInvariant()}-1280x800.png") });
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_admin_adds_a_user_in_the_browser_toggles_dark_mode_and_signs_out()
    {
        var page = await SignInAsync(Roles.Admin, "/admin/users");
        await page.WaitForURLAsync(new Regex("/admin/users$"));
        await page.WaitForSelectorAsync("[data-interactive='true']");

        var background = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        await page.ClickAsync("[data-testid='dark-mode-toggle']");
        // A function, not an expression: Playwright evaluates an expression with eval, which the page's CSP forbids.
        await page.WaitForFunctionAsync("before => getComputedStyle(document.body).backgroundColor !== before", background);

        await page.FillAsync("input[data-testid='user-email'], [data-testid='user-email'] input", "new.analyst@example.test");
        await page.FillAsync("input[data-testid='user-password'], [data-testid='user-password'] input", "short");
        await page.ClickAsync("[data-testid='create-user']");
        await page.WaitForSelectorAsync("[data-testid='user-error']");
        Assert.Contains("at least 12 characters", await page.InnerTextAsync("[data-testid='user-error']"));

        await page.FillAsync("input[data-testid='user-password'], [data-testid='user-password'] input", AppFactory.Password);
        await page.ClickAsync("[data-testid='create-user']");
        await page.WaitForSelectorAsync("td:has-text('new.analyst@example.test')");
        await page.SetViewportSizeAsync(1920, 1080);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "admin-users-dark-1920x1080.png") });

        await page.ClickAsync("[data-testid='sign-out']");
        await page.WaitForURLAsync(new Regex("/account/login"));
        await page.GotoAsync(_baseUrl + "/");
        await page.WaitForURLAsync(new Regex("/account/login"));
        await page.CloseAsync();
    }

    [Fact]
    public async Task An_engineer_sees_the_sources_with_series_counts_and_ledger_freshness()
    {
        var page = await SignInAsync(Roles.Engineer, "/sources");
        await page.WaitForURLAsync(new Regex("/sources$"));

        // The live page (not its prerendered copy, which the interactive render replaces while it reads Prometheus again).
        await page.WaitForSelectorAsync("[data-interactive='true'] [data-testid='source-metric'][data-metric='gen_ai_client_token_usage_input_total']", new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => document.querySelectorAll(\"[data-testid='no-recent-series']\").length > 0", null, new() { Timeout = 30_000 });
        Assert.Contains("No hour has been ingested yet", await page.InnerTextAsync("[data-testid='ledger-through']"));
        Assert.Equal(4, await page.Locator("[data-testid='source-metric']").CountAsync());
        // The fixture's history ended days ago: the page says nothing reports now, rather than showing a quiet 0.
        Assert.Equal(4, await page.Locator("[data-testid='no-recent-series']").CountAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "sources-engineer-1280x800.png"), FullPage = true });
        await page.CloseAsync();
    }
}
