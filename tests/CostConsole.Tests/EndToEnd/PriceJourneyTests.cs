using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// An engineer changes a price in Debian Chromium, sees the impact on history before saving and the overview's figure
/// move after; Finance reads the same page and finds nothing to edit.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class PriceJourneyTests(HistoryFixture prometheus) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = HistoryFixture.End.AddMinutes(30);
    private const string MonthToDate = "from=2026-11-01T00:00:00Z&to=2026-11-20T01:00:00Z";
    private BrowserApp _browserApp = null!;
    private HttpClient? _api;

    public async Task InitializeAsync()
    {
        _browserApp = await BrowserApp.StartAsync(prometheus.Prometheus.BaseUrl, new ShiftedTimeProvider(Now));
        await _browserApp.App.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _browserApp.DisposeAsync();
    }

    private async Task<IPage> OpenAsync(string role, string path)
    {
        var page = await _browserApp.SignInAsync(role, path);
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await page.WaitForSelectorAsync("[data-loading='false']");
        return page;
    }

    private async Task<decimal> MonthCostAsync()
    {
        if (_api is null)
        {
            _api = _browserApp.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri(_browserApp.BaseUrl) });
            await AppFactory.SignInAsync(_api, await _browserApp.App.CreateUserAsync(Roles.Finance), AppFactory.Password);
        }

        return (await _api.GetFromJsonAsync<JsonElement>("/api/v1/spend?" + MonthToDate)).GetProperty("totals").GetProperty("costUsd").GetDecimal();
    }

    /// <summary>gpt-4o-mini's cost over the whole history at the given prices (no cached price: cached tokens cost the input price).</summary>
    private decimal MiniCost(decimal input, decimal output) =>
        prometheus.History.GroundTruth.Where(t => t.Key.Model == "gpt-4o-mini")
            .Sum(t => t.Key.TokenType == Family.InputTokens ? t.Value * input : t.Key.TokenType == Family.OutputTokens ? t.Value * output : 0m) / 1_000_000m;

    [Fact]
    public async Task An_engineer_previews_a_price_change_saves_it_and_the_overview_moves_by_the_impact()
    {
        var page = await OpenAsync(Roles.Engineer, "/");
        var stat = "[data-testid='stat-mtd'] [data-testid='stat-value']";
        await page.WaitForSelectorAsync(stat);
        var before = await MonthCostAsync();
        Assert.Equal(SpendFormat.Money(before) + " *", (await page.InnerTextAsync(stat)).Trim());

        await page.GotoAsync(_browserApp.BaseUrl + "/prices");
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await page.WaitForSelectorAsync("[data-loading='false']");
        await page.ClickAsync("[data-testid='price-add']");
        await page.FillAsync("#price-model", "gpt-4o-mini");
        await page.FillAsync("#price-from", "2026-11-17 00:00");
        await page.FillAsync("#price-input", "1.50");
        await page.FillAsync("#price-output", "6.00");
        await page.FillAsync("#price-reason", "re-priced tier");
        await page.ClickAsync("[data-testid='price-preview']");
        await page.WaitForSelectorAsync("[data-testid='impact-summary']");

        // The whole history lies in this month: the preview's second window moves by exactly what the ground truth says.
        var (was, will) = (MiniCost(0.15m, 0.60m), MiniCost(1.50m, 6.00m));
        var summaries = await page.Locator("[data-testid='impact-summary']").AllInnerTextsAsync();
        Assert.Contains($"{SpendFormat.Money(was)} → {SpendFormat.Money(will)}", summaries[1]);
        Assert.Contains(SpendFormat.MoneyChange(will - was), summaries[1]);
        Assert.True(await page.Locator("[data-testid='impact-table'] tbody tr").CountAsync() > 0);
        Assert.Equal(0, await page.Locator("[data-testid='price-error']").CountAsync());
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "prices-impact-preview.png"), FullPage = true });

        await page.ClickAsync("[data-testid='price-save']");
        await page.WaitForSelectorAsync("[data-testid='timeline-title']");
        Assert.Contains("$1.50", await page.InnerTextAsync("[data-testid='timeline-table']"));
        Assert.Contains("re-priced tier", await page.InnerTextAsync("[data-testid='audit-table']"));

        await page.GotoAsync(_browserApp.BaseUrl + "/");
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await page.WaitForSelectorAsync(stat);
        var after = await MonthCostAsync();
        Assert.Equal(decimal.Round(before + (will - was), 6), decimal.Round(after, 6));
        Assert.Equal(SpendFormat.Money(after) + " *", (await page.InnerTextAsync(stat)).Trim());
    }

    [Fact]
    public async Task Finance_reads_prices_timelines_and_the_audit_trail_but_finds_nothing_to_edit()
    {
        var page = await OpenAsync(Roles.Finance, "/prices");

        await page.WaitForSelectorAsync("[data-testid='prices-table']");
        Assert.Contains("Engineers and admins edit prices; you can read them.", await page.ContentAsync());
        Assert.Equal(0, await page.Locator("[data-testid='price-add'], [data-testid='prices-import']").CountAsync());
        Assert.Equal(1, await page.Locator("[data-testid='prices-export']").CountAsync());
        // Unpriced models are listed with their volume, without an Add button for Finance.
        Assert.True(await page.Locator("[data-testid='unpriced-row']").CountAsync() > 0);
        Assert.Equal(0, await page.Locator("[data-testid='unpriced-row'] button").CountAsync());

        await page.ClickAsync("[data-testid='price-row'][data-model='gpt-4o-mini']");
        await page.WaitForSelectorAsync("[data-testid='timeline-table']");
        Assert.Contains("model=gpt-4o-mini", page.Url);
        Assert.Equal(0, await page.Locator("[data-testid='timeline-correct'], [data-testid='timeline-retire'], [data-testid='timeline-add']").CountAsync());

        // The rules page is open to Finance too: the gauge variant by default, the inline one a click away.
        await page.GotoAsync(_browserApp.BaseUrl + "/prices/rules");
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await page.WaitForSelectorAsync("[data-testid='rules-yaml']");
        var gauge = await page.InnerTextAsync("[data-testid='rules-yaml']");
        Assert.Contains("record: costconsole:cost_usd_per_second:rate5m", gauge);
        Assert.Contains("costconsole_price_usd_per_token{token_type=\"input\",variant=\"\"}", gauge);
        await page.ClickAsync("[data-testid='rules-variant'] >> text=Inline prices");
        await page.WaitForFunctionAsync("() => document.querySelector(\"[data-testid='rules-yaml']\").innerText.includes('* 0.00000015')");
        Assert.DoesNotContain("costconsole_price_usd_per_token{", await page.InnerTextAsync("[data-testid='rules-yaml']"));
        Assert.Equal("/api/v1/prometheus/rules?variant=inline&dailyBudget=500&spikeFactor=3&spikeFloor=1", await page.GetAttributeAsync("[data-testid='rules-download']", "href"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "prices-rules.png"), FullPage = false });

        await page.GotoAsync(_browserApp.BaseUrl + "/prices/import");
        await page.WaitForSelectorAsync("text=403");
        Assert.Equal(0, await page.Locator("[data-testid='import-run']").CountAsync());
    }

    [Fact]
    public async Task An_engineer_uploads_litellms_price_map_previews_adds_and_changes_and_imports_them()
    {
        var page = await OpenAsync(Roles.Engineer, "/prices/import");
        var file = Path.Combine(Path.GetTempPath(), $"model_prices_{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {
              "sample_spec": { "input_cost_per_token": 0, "output_cost_per_token": 0 },
              "gpt-4o-mini": { "input_cost_per_token": 3e-07, "output_cost_per_token": 1.2e-06, "mode": "chat" },
              "gemini-1.5-flash": { "input_cost_per_token": 7.5e-08, "output_cost_per_token": 3e-07, "cache_read_input_token_cost": 1.875e-08 },
              "a-model-nobody-here-uses": { "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06 }
            }
            """);
        try
        {
            await page.SetInputFilesAsync("[data-testid='import-file'] input[type=file], input[type=file]", file);
            await page.WaitForSelectorAsync("[data-testid='import-file-name']");
            await page.FillAsync("#import-from", "2026-11-19 00:00");
            await page.ClickAsync("[data-testid='import-preview']");
            await page.WaitForSelectorAsync("[data-testid='import-summary']");

            Assert.Equal("1 to add, 1 to change, 0 unchanged (left alone).", (await page.InnerTextAsync("[data-testid='import-summary']")).Trim());
            Assert.Contains("1 models that are neither seen in the ledger nor priced already were left out.", await page.ContentAsync());
            Assert.Equal(1, await page.Locator("[data-testid='import-item'][data-kind='add']").CountAsync());
            Assert.Contains("$0.075", await page.InnerTextAsync("[data-testid='import-item'][data-kind='add']"));
            Assert.Contains("$0.30", await page.InnerTextAsync("[data-testid='import-item'][data-kind='change']"));
            Assert.Null((await _browserApp.App.Services.GetRequiredService<CostConsole.Features.Pricing.PriceStore>().LoadAsync()).PriceAt("gemini-1.5-flash", HistoryFixture.End));

            await page.ClickAsync("[data-testid='import-run']");
            await page.WaitForSelectorAsync("[data-testid='import-done']");
            var book = await _browserApp.App.Services.GetRequiredService<CostConsole.Features.Pricing.PriceStore>().LoadAsync();
            Assert.Equal(0.075m, book.PriceAt("gemini-1.5-flash", HistoryFixture.End)!.InputPerMTok);
            Assert.Equal(1.2m, book.PriceAt("gpt-4o-mini", HistoryFixture.End)!.OutputPerMTok);
            Assert.Equal(0.60m, book.PriceAt("gpt-4o-mini", HistoryFixture.End.AddDays(-2))!.OutputPerMTok);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
