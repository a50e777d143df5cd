using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// Finance in Debian Chromium against the real Prometheus and a filled ledger, the clock set half an hour after the
/// history ends: overview, grouping switch, drill-down, a CSV checked against the API, and a period comparison.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class SpendJourneyTests(HistoryFixture prometheus) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = HistoryFixture.End.AddMinutes(30);
    private BrowserApp _browserApp = null!;
    private AppFactory _app = null!;
    private string _baseUrl = null!;

    public async Task InitializeAsync()
    {
        _browserApp = await BrowserApp.StartAsync(prometheus.Prometheus.BaseUrl, new ShiftedTimeProvider(Now));
        (_app, _baseUrl) = (_browserApp.App, _browserApp.BaseUrl);
        await _app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _browserApp.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string role, string path)
    {
        var page = await _browserApp.SignInAsync(role, path);
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await LoadedAsync(page);
        return page;
    }

    /// <summary>Waits until the interactive page has its figures: before that a click may land on the prerendered copy.</summary>
    private static Task LoadedAsync(IPage page) => page.WaitForSelectorAsync("[data-interactive='true'] [data-loading='false']");

    private HttpClient? _api;

    /// <summary>The spend API as a signed-in Finance user, over the same Kestrel port the browser uses.</summary>
    private async Task<JsonElement> ApiAsync(string query)
    {
        if (_api is null)
        {
            _api = _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri(_baseUrl) });
            var email = await _app.CreateUserAsync(Roles.Finance);
            var signIn = await AppFactory.SignInAsync(_api, email, AppFactory.Password);
            // Over Kestrel the client follows the redirect: signed in means it ended on the overview, not the login form.
            Assert.Equal("/", signIn.StatusCode == System.Net.HttpStatusCode.Redirect ? signIn.Headers.Location?.OriginalString : signIn.RequestMessage?.RequestUri?.AbsolutePath);
        }

        return await _api.GetFromJsonAsync<JsonElement>("/api/v1/spend?" + query);
    }

    private static string Shot(string name) => Path.Combine(BrowserFixture.ScreenshotFolder, name);

    /// <summary>Full-page screenshots from the top, so the fixed app bar sits where a reader sees it.</summary>
    private static async Task ScreenshotAsync(IPage page, string name)
    {
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = Shot(name), FullPage = true });
    }

    [Fact]
    public async Task Finance_opens_the_overview_switches_grouping_drills_into_a_feature_and_downloads_a_csv_matching_the_api()
    {
        var page = await SignInAsync(Roles.Finance, "/");

        // Month to date: November 1st up to the end of the open hour, in UTC (the fixture's display zone).
        await page.WaitForSelectorAsync("[data-testid='stat-mtd'] [data-testid='stat-value']");
        var month = await ApiAsync("from=2026-11-01T00:00:00Z&to=2026-11-20T01:00:00Z");
        var monthCost = month.GetProperty("totals").GetProperty("costUsd").GetDecimal();
        Assert.True(monthCost > 0, "the history has priced spend this month");
        // The history stops at the hour: nothing reported in the open hour, so the figure is marked as a floor.
        Assert.True(month.GetProperty("incomplete").GetBoolean());
        Assert.Equal(SpendFormat.Money(monthCost) + " *", (await page.InnerTextAsync("[data-testid='stat-mtd'] [data-testid='stat-value']")).Trim());
        Assert.Contains("could not be read", await page.InnerTextAsync("[data-testid='stat-mtd']"));
        var unpriced = month.GetProperty("totals").GetProperty("unpricedTokens").GetInt64();
        Assert.Contains($"+ {SpendFormat.Tokens(unpriced)} unpriced tokens", await page.InnerTextAsync("[data-testid='stat-mtd'] [data-testid='stat-unpriced']"));
        // The ledger holds three days: month to date says it counts from there, not from the 1st.
        Assert.Contains("the ledger starts 2026-11-17 00:00 UTC", await page.InnerTextAsync("[data-testid='stat-mtd']"));
        await page.WaitForSelectorAsync("[data-testid='overview-chart'] .apexcharts-svg");
        await page.WaitForSelectorAsync("[data-testid='burn-rate'], [data-testid='burn-problem']");
        Assert.Equal(1, await page.Locator("[data-testid='unpriced-callout']").CountAsync());
        await ScreenshotAsync(page, "overview-finance-1280x800.png");

        // Switch the chart to models: the URL carries it, and the chart redraws with one series per model.
        await ProductChecks.ClickAndWaitForUrlAsync(page, "[data-testid='chart-by-model']", "by=model");
        var models = (await ApiAsync("from=2026-11-01T00:00:00Z&to=2026-11-20T01:00:00Z&groupBy=model")).GetProperty("rows").GetArrayLength();
        await page.WaitForSelectorAsync($"[data-testid='overview-chart'][data-chart-series='{Math.Min(models, 9)}']");

        // The explorer, this month by feature: the top row is the top feature of the API; a click drills into it.
        await page.GotoAsync(_baseUrl + "/explore?range=this-month&tz=UTC&by=feature");
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await LoadedAsync(page);
        await page.WaitForSelectorAsync("[data-testid='explorer-row']");
        var byFeature = await ApiAsync("from=2026-11-01T00:00:00Z&to=2026-11-20T01:00:00Z&groupBy=feature");
        var topFeature = byFeature.GetProperty("rows")[0].GetProperty("feature").GetString()!;
        Assert.StartsWith(topFeature, (await page.Locator("[data-testid='explorer-row']").First.InnerTextAsync()).Trim());
        await ProductChecks.ClickAndWaitForUrlAsync(page, "[data-testid='explorer-row'] >> nth=0", $"feature={Uri.EscapeDataString(topFeature)}");
        await page.WaitForSelectorAsync("[data-testid='filter-feature']");
        await LoadedAsync(page);
        Assert.Contains("by=model", page.Url);
        await page.WaitForSelectorAsync("[data-testid='explorer-chart'] .apexcharts-svg");
        await ScreenshotAsync(page, "explorer-drilled-1280x800.png");

        // The CSV of the drilled table adds up to the API's total for the same view.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid='download-csv']"));
        var lines = (await File.ReadAllTextAsync(await download.PathAsync())).Trim().Split('\n');
        var costColumn = Array.IndexOf(lines[0].Split(','), "cost_usd");
        var csvTotal = lines.Skip(1).Sum(l => decimal.Parse(l.Split(',')[costColumn], CultureInfo.InvariantCulture));
        var drilled = await ApiAsync($"from=2026-11-01T00:00:00Z&to=2026-11-20T01:00:00Z&groupBy=model&feature={Uri.EscapeDataString(topFeature)}");
        Assert.Equal(decimal.Round(drilled.GetProperty("totals").GetProperty("costUsd").GetDecimal(), 4), decimal.Round(csvTotal, 4));
        Assert.Equal(drilled.GetProperty("rows").GetArrayLength(), lines.Length - 1);
        Assert.Equal(SpendFormat.Money(drilled.GetProperty("totals").GetProperty("costUsd").GetDecimal()), (await page.InnerTextAsync("[data-testid='total-cost']")).Trim());

        // A filter picked by value: the team select offers the teams with spend under the current filter.
        var team = (await ApiAsync($"from=2026-11-01T00:00:00Z&to=2026-11-20T01:00:00Z&groupBy=team&feature={Uri.EscapeDataString(topFeature)}"))
            .GetProperty("rows")[0].GetProperty("team").GetString()!;
        await page.ClickAsync("[data-testid='filter-dimension']");
        await page.ClickAsync(".mud-popover-open .mud-list-item:has-text('Team')");
        await page.ClickAsync("[data-testid='filter-value']");
        await ProductChecks.ClickAndWaitForUrlAsync(page, $".mud-popover-open .mud-list-item:has-text('{team}')", $"team={Uri.EscapeDataString(team)}");
        await page.WaitForSelectorAsync("[data-testid='filter-team']");
        await LoadedAsync(page);

        // Dark mode, wide: still readable. Resizing comes last: charts and the drawer re-lay out after it.
        await page.ClickAsync("[data-testid='dark-mode-toggle']");
        await page.SetViewportSizeAsync(1920, 1080);
        await ScreenshotAsync(page, "explorer-dark-1920x1080.png");
        await page.GotoAsync(_baseUrl + "/?tz=UTC");
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await LoadedAsync(page);
        await page.WaitForSelectorAsync("[data-testid='overview-chart'] .apexcharts-svg");
        await ScreenshotAsync(page, "overview-finance-1920x1080.png");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Finance_compares_two_periods_and_sees_the_change_split_into_volume_and_price()
    {
        var page = await SignInAsync(Roles.Finance, "/changes?tz=UTC&a=2026-11-17..2026-11-18&b=2026-11-19..2026-11-20");

        await page.WaitForSelectorAsync("[data-testid='change-summary']");
        var before = (await ApiAsync("from=2026-11-17T00:00:00Z&to=2026-11-19T00:00:00Z")).GetProperty("totals").GetProperty("costUsd").GetDecimal();
        var after = (await ApiAsync("from=2026-11-19T00:00:00Z&to=2026-11-20T01:00:00Z")).GetProperty("totals").GetProperty("costUsd").GetDecimal();
        var summary = await page.InnerTextAsync("[data-testid='change-total']");
        Assert.Contains(SpendFormat.Money(before), summary);
        Assert.Contains(SpendFormat.Money(after), summary);
        Assert.Contains(SpendFormat.MoneyChange(after - before), summary);
        Assert.True(await page.Locator("[data-testid='changes-by-feature'] [data-testid='change-row']").CountAsync() > 0);
        Assert.True(await page.Locator("[data-testid='changes-by-team'] [data-testid='change-row']").CountAsync() > 0);
        // Ten features by name and, when there are more, one row counting the others.
        var features = new HashSet<string>(
            (await ApiAsync("from=2026-11-17T00:00:00Z&to=2026-11-19T00:00:00Z&groupBy=feature")).GetProperty("rows").EnumerateArray()
                .Concat((await ApiAsync("from=2026-11-19T00:00:00Z&to=2026-11-20T01:00:00Z&groupBy=feature")).GetProperty("rows").EnumerateArray())
                .Select(r => r.GetProperty("feature").GetString()!));
        Assert.Equal(Math.Min(10, features.Count), await page.Locator("[data-testid='changes-by-feature'] [data-testid='change-row']").CountAsync());
        if (features.Count > 10)
        {
            Assert.Equal($"{features.Count - 10} more", (await page.InnerTextAsync("[data-testid='changes-by-feature'] [data-testid='change-rest'] td:first-child")).Trim());
            // The fixture's last features run on models without a price: their sum is "unpriced", never $0.00.
            Assert.Contains("unpriced", await page.InnerTextAsync("[data-testid='changes-by-feature'] [data-testid='change-rest']"));
        }

        await page.WaitForSelectorAsync("[data-testid='changes-chart'] .apexcharts-svg");
        await ScreenshotAsync(page, "changes-finance-1280x800.png");

        // A row opens the explorer narrowed to it, over the later period.
        await page.Locator("[data-testid='changes-by-feature'] [data-testid='change-row']").First.ClickAsync();
        await page.WaitForURLAsync(new Regex("/explore\\?range=custom&from=2026-11-19&to=2026-11-20"));
        await page.WaitForSelectorAsync("[data-testid='filter-feature']");
        await page.CloseAsync();
    }
}
