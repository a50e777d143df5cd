using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// In Debian Chromium: an engineer sees on the overview that tokens served by the "priority" tier have no price, opens
/// the editor from that call-out with the model and variant filled in, adds a 1.8× multiplier, previews an impact
/// equal to the ground truth, saves, and the call-out is gone.
/// </summary>
public sealed class PriceVariantJourneyTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);
    private const int Hours = 3;
    private const string Model = "gpt-4o";
    private const decimal BaseInput = 2.5m, BaseOutput = 10m, Priority = 1.8m;

    // (tier label value or null, input and output tokens per 10 minutes), one pod each.
    private static readonly (string? Tier, long Input, long Output)[] Series = [(null, 700_000, 90_000), ("default", 1_000_000, 100_000), ("priority", 300_000, 40_000)];

    private PrometheusServer _prometheus = null!;
    private BrowserApp _browserApp = null!;

    public async Task InitializeAsync()
    {
        var text = CounterFixture.Write(Start, Hours,
            from family in new[] { "gen_ai_client_token_usage_input", "gen_ai_client_token_usage_output" }
            from s in Series
            select (family, $"job=\"app\",instance=\"pod-0\",gen_ai_request_model=\"{Model}\",feature=\"search\"" + (s.Tier is null ? "" : $",openai_response_service_tier=\"{s.Tier}\""),
                family.EndsWith("output", StringComparison.Ordinal) ? s.Output : s.Input));
        _prometheus = await PrometheusServer.StartAsync(openMetrics: text);
        _browserApp = await BrowserApp.StartAsync(_prometheus.BaseUrl, new ShiftedTimeProvider(Start.AddHours(Hours).AddMinutes(30)),
            new Dictionary<string, string?> { ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture) });
        await _browserApp.App.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(Hours));
    }

    public async Task DisposeAsync()
    {
        await _browserApp.DisposeAsync();
        await _prometheus.DisposeAsync();
    }

    /// <summary>The cost of every series over the window, the priority tier at <paramref name="priority"/> times the base.</summary>
    private static decimal Truth(decimal priority) => Series.Sum(s =>
        Hours * 6 * (s.Input * BaseInput + s.Output * BaseOutput) / 1_000_000m * (s.Tier == "priority" ? priority : 1m));

    [Fact]
    public async Task An_engineer_prices_an_unpriced_tier_from_the_overview_and_the_call_out_is_gone()
    {
        var api = _browserApp.App.CreateClient();
        await AppFactory.SignInAsync(api, await _browserApp.App.CreateUserAsync(Roles.Engineer), AppFactory.Password);
        using (var created = await api.PostAsJsonAsync("/api/v1/prices", new Dictionary<string, object?>
        {
            ["model"] = Model, ["effectiveFrom"] = "2026-11-01T00:00:00Z", ["input"] = "2.5", ["output"] = "10", ["confirm"] = true,
        }))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }

        var page = await _browserApp.SignInAsync(Roles.Engineer, "/");
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await page.WaitForSelectorAsync("[data-testid='variant-callout']");
        Assert.Contains("gpt-4o “priority”", await page.InnerTextAsync("[data-testid='variant-callout']"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "overview-variant-callout.png"), FullPage = false });

        await page.ClickAsync("[data-testid='add-variant-link']");
        await page.WaitForSelectorAsync("[data-testid='price-editor']");
        Assert.Equal("priority", await page.InputValueAsync("#price-variant"));
        Assert.Equal(Model, await page.InputValueAsync("#price-model"));
        await page.FillAsync("#price-from", "2026-11-01 00:00");
        await page.FillAsync("#price-multiplier", "1.8");
        await page.FillAsync("#price-reason", "priority tier is billed at 1.8x");
        await page.ClickAsync("[data-testid='price-preview']");
        await page.WaitForSelectorAsync("[data-testid='impact-summary']");

        // This month so far holds the whole history: its cost moves from the tier priced as the base to 1.8×.
        var summaries = await page.Locator("[data-testid='impact-summary']").AllInnerTextsAsync();
        Assert.Contains($"{SpendFormat.Money(Truth(1m))} → {SpendFormat.Money(Truth(Priority))}", summaries[^1]);
        Assert.Equal(0, await page.Locator("[data-testid='price-error']").CountAsync());

        await page.ClickAsync("[data-testid='price-save']");
        await page.WaitForSelectorAsync("[data-testid='timeline-variant'] >> text=priority");

        await page.GotoAsync(_browserApp.BaseUrl + "/");
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await page.WaitForSelectorAsync("[data-testid='stat-mtd']");
        Assert.Equal(0, await page.Locator("[data-testid='variant-callout']").CountAsync());
        var month = await api.GetFromJsonAsync<JsonElement>($"/api/v1/spend?from=2026-11-01T00:00:00Z&to={Start.AddHours(Hours):yyyy-MM-ddTHH:mm:ssZ}");
        Assert.Equal(decimal.Round(Truth(Priority), 6), month.GetProperty("totals").GetProperty("costUsd").GetDecimal());
    }
}
