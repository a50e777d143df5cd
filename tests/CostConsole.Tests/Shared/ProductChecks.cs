using System.Text.RegularExpressions;
using CostConsole.Features.Spend;
using Microsoft.Playwright;

namespace CostConsole.Tests.Shared;

/// <summary>
/// What a newcomer sees in the browser, checked as they would notice it: the styles applied (computed styles, not only
/// a 200), Blazor's circuit connected, and an interaction that redraws a chart.
/// </summary>
public static class ProductChecks
{
    private static readonly PageWaitForSelectorOptions Patient = new() { Timeout = 60_000 };

    /// <summary>Opens the app, is sent to the sign-in form, signs in and lands on the overview.</summary>
    public static async Task<IPage> SignInAsync(IBrowserContext browser, string baseUrl, string email, string password)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(baseUrl + "/");
        await page.WaitForURLAsync(new Regex("/account/login"));
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid='sign-in']");
        await page.WaitForSelectorAsync("#overview-title", Patient);
        return page;
    }

    /// <summary>On the app's sign-in page: the provider's button, then the provider's own login form (the test provider's fields).</summary>
    public static async Task SignInThroughProviderAsync(IPage page, string login, string password)
    {
        await page.ClickAsync("[data-testid='sign-in-provider']");
        await page.FillAsync("#login", login);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#submit");
    }

    /// <summary>MudBlazor's stylesheet and the app's are applied, Blazor's script is loaded and its circuit connected, the chart library is there.</summary>
    public static async Task AssertStyledAndLiveAsync(IPage page)
    {
        // Set once the page is interactive: Blazor's script ran and its circuit is connected.
        await page.WaitForSelectorAsync("[data-interactive='true']", Patient);
        Assert.True(await page.EvaluateAsync<bool>("typeof window.Blazor === 'object'"), "Blazor's script did not load");
        // MudBlazor's stylesheet fixes the app bar to the top; unstyled, it is an ordinary block.
        Assert.Equal("fixed", await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.mud-appbar')).position"));
        // Unstyled, the navigation's icons grow to the page's width (seen on a demo that served empty stylesheets).
        var icon = await page.EvaluateAsync<double>("document.querySelector('.mud-drawer .mud-icon-root').getBoundingClientRect().width");
        Assert.InRange(icon, 12, 40);
        // The drawer shows no edge where it ends on a long page: no shadow, the page's own background.
        Assert.Equal("none", await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.mud-drawer')).boxShadow"));
        Assert.Equal(await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor"),
            await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.mud-drawer')).backgroundColor"));
        // The app's own stylesheet: its brand mark is a round badge.
        Assert.Equal("50%", await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.brand-mark')).borderTopLeftRadius"));
    }

    /// <summary>The overview's chart shows features; a click on "Model" regroups it by model (the URL says so) and it redraws.</summary>
    public static async Task AssertGroupingSwitchRedrawsAsync(IPage page, IReadOnlySet<string> features, IReadOnlySet<string> models)
    {
        // Loaded in the live page, not in its prerendered copy (where a click does nothing).
        await page.WaitForSelectorAsync("[data-interactive='true'] [data-loading='false']", Patient);
        // ApexCharts (wwwroot/lib, from npm) loaded and drew the chart.
        await page.WaitForSelectorAsync("[data-testid='overview-chart'] .apexcharts-legend-text", Patient);
        var before = await LegendAsync(page);
        Assert.NotEmpty(before);
        Assert.All(before, name => Assert.True(features.Contains(name) || name == ChartSeries.OtherName, $"'{name}' is not a feature of the workload"));

        await ClickAndWaitForUrlAsync(page, "[data-testid='chart-by-model']", "by=model");
        await page.WaitForFunctionAsync(
            "models => { const names = [...document.querySelectorAll(\"[data-testid='overview-chart'] .apexcharts-legend-text\")].map(e => e.textContent); return names.length > 0 && names.every(n => models.includes(n) || n === 'Other'); }",
            models.ToArray(), new() { Timeout = 30_000 });
        var after = await LegendAsync(page);
        Assert.Contains(after, models.Contains);
        Assert.DoesNotContain(after, features.Contains);
    }

    /// <summary>
    /// Clicks something that navigates within the page (Blazor's history.pushState: no load event follows) and waits
    /// until the address holds <paramref name="part"/>; if it never does, says where the page is and whether its
    /// circuit was reconnecting, so an intermittent failure explains itself.
    /// </summary>
    public static async Task ClickAndWaitForUrlAsync(IPage page, string selector, string part)
    {
        await page.ClickAsync(selector);
        try
        {
            await page.WaitForFunctionAsync("part => location.search.includes(part)", part, new() { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            var state = await page.EvaluateAsync<string>(
                "() => `at ${location.href}; interactive=${document.querySelector('[data-interactive]')?.dataset.interactive}; loading=${document.querySelector('[data-loading]')?.dataset.loading}; "
                + "reconnect=${document.getElementById('components-reconnect-modal')?.className ?? 'none'}; error-ui=${getComputedStyle(document.getElementById('blazor-error-ui')).display}`");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, $"no-navigation-{part.Replace('=', '-')}.png") });
            throw new TimeoutException($"A click on {selector} did not navigate to {part} within 30 s: {state}");
        }
    }

    private static async Task<string[]> LegendAsync(IPage page) =>
        await page.Locator("[data-testid='overview-chart'] .apexcharts-legend-text").EvaluateAllAsync<string[]>("items => items.map(i => i.textContent)");
}
