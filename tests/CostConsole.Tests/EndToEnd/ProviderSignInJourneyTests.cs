using System.Text.RegularExpressions;
using CostConsole.Features.Identity;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// People signing in through the company's identity provider in Debian Chromium: the provider's own login page, the
/// role and team their groups grant, a group taken away at the provider, and a sign-out that ends both sessions.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class ProviderSignInJourneyTests(HistoryFixture prometheus) : IAsyncLifetime
{
    private static readonly ProviderUser Fiona = new("fiona", "fiona@corp.example", "Fiona Finance", "pw-fiona-1", ["costconsole-finance", "all-staff"]);
    private static readonly ProviderUser Max = new("max", "max@corp.example", "Max Manager", "pw-max-1", ["costconsole-team-search-managers"]);
    private static readonly ProviderUser Ada = new("ada", "ada@corp.example", "Ada Admin", "pw-ada-1", ["costconsole-admins"]);

    private TestIdentityProvider _provider = null!;
    private BrowserApp _app = null!;

    public async Task InitializeAsync()
    {
        var port = PrometheusServer.FreePort();
        _provider = await TestIdentityProvider.StartAsync([Fiona, Max, Ada], [$"http://127.0.0.1:{port}"]);
        _app = await BrowserApp.StartAsync(prometheus.Prometheus.BaseUrl, settings: _provider.Settings(), port: port);
        await using var scope = _app.App.Services.CreateAsyncScope();
        Assert.True((await scope.ServiceProvider.GetRequiredService<TeamAdministration>().CreateAsync("search")).Succeeded);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _provider.DisposeAsync();
    }

    /// <summary>From the app's sign-in page through the provider's login form; returns once the browser is back at the app.</summary>
    private async Task SignInThroughProviderAsync(IPage page, ProviderUser user, string path = "/")
    {
        await page.GotoAsync(_app.BaseUrl + path);
        await page.WaitForURLAsync(new Regex("/account/login"));
        await ProductChecks.SignInThroughProviderAsync(page, user.Email!, user.Password);
        await page.WaitForURLAsync(new Regex($"^{Regex.Escape(_app.BaseUrl)}/"));
    }

    private async Task SignOutAsync(IPage page)
    {
        await page.ClickAsync("[data-testid='sign-out']");
        // The provider asks to confirm the end of its own session (RP-initiated logout), then sends the browser back.
        await page.WaitForURLAsync(new Regex($"^{Regex.Escape(_provider.Issuer)}/session/end"));
        await page.ClickAsync("#logout-yes");
        await page.WaitForURLAsync(new Regex("/account/login\\?signedOut=provider"));
    }

    [Fact]
    public async Task Finance_and_a_manager_sign_in_through_the_provider_and_losing_a_group_there_loses_the_role()
    {
        var page = await _app.NewPageAsync();

        // Fiona: the provider's login page, then the overview, as Finance.
        await SignInThroughProviderAsync(page, Fiona);
        await page.WaitForURLAsync(new Regex($"^{Regex.Escape(_app.BaseUrl)}/$"));
        await page.WaitForSelectorAsync("[data-testid='signed-in-role']");
        Assert.Equal(Roles.Finance, (await page.InnerTextAsync("[data-testid='signed-in-role']")).Trim());
        Assert.Equal(Fiona.Email, (await page.InnerTextAsync("[data-testid='signed-in-user']")).Trim());
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "provider-signed-in-finance.png") });

        // Signing out ends CostConsole's session and the provider's: the next sign-in asks the provider for a password again.
        await SignOutAsync(page);
        Assert.Contains("signed out of CostConsole and of Test provider", await page.InnerTextAsync("[data-testid='signed-out']"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "provider-signed-out.png") });
        await page.ClickAsync("[data-testid='sign-in-provider']");
        await page.WaitForSelectorAsync("#login");

        // Max: his group names the search team, so he manages it and can set its budget.
        await SignInThroughProviderAsync(page, Max, "/budgets");
        await page.WaitForURLAsync(new Regex("/budgets$"));
        Assert.Equal(Roles.Manager, (await page.InnerTextAsync("[data-testid='signed-in-role']")).Trim());
        await page.WaitForSelectorAsync("[data-testid='budget-row'][data-team='search'] [data-testid='budget-set']");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "provider-signed-in-manager.png") });
        await SignOutAsync(page);

        // Ada, an Admin through the provider, sees where each role comes from.
        await SignInThroughProviderAsync(page, Ada, "/admin/users");
        await page.WaitForURLAsync(new Regex("/admin/users$"));
        var fionaRole = page.Locator($"[data-testid='user-role'][data-user='{Fiona.Email}']");
        await fionaRole.WaitForAsync();
        Assert.Contains("from provider", await fionaRole.InnerTextAsync());
        Assert.Contains(Roles.Finance, await fionaRole.InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "provider-users-page.png") });
        await SignOutAsync(page);

        // Max leaves the search managers' group at the provider: his next sign-in finds no role, and says whom to ask.
        await _provider.SetUsersAsync([Fiona, Max with { Groups = ["all-staff"] }, Ada]);
        await SignInThroughProviderAsync(page, Max, "/budgets");
        await page.WaitForURLAsync(new Regex("/account/no-access"));
        Assert.Contains("max@corp.example", await page.InnerTextAsync("[data-testid='no-access-who']"));
        Assert.Contains("the FinOps team (#finops)", await page.InnerTextAsync("[data-testid='no-access-ask']"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "provider-no-access.png") });
        await page.GotoAsync(_app.BaseUrl + "/budgets");
        await page.WaitForURLAsync(new Regex("/account/login"));
        await using var scope = _app.App.Services.CreateAsyncScope();
        var max = (await scope.ServiceProvider.GetRequiredService<UserAdministration>().ListAsync()).Single(u => u.Email == Max.Email);
        Assert.Equal("", max.Role);
        Assert.Empty(max.Teams);
        await page.CloseAsync();
    }
}
