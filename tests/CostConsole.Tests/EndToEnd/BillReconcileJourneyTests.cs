using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// In Debian Chromium: Finance imports Anthropic's cost report for a day whose usage report is already in, sees the
/// one flagged row "Tokens equal, cost differs: implied $3.30/M vs $3.00/M (input)", and hands its "add this price"
/// link to an Engineer (Finance reads prices, Engineers edit them), who opens the editor filled in from it, previews
/// and saves; Finance's row is then within the tolerance.
/// </summary>
public sealed class BillReconcileJourneyTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);
    private const int Hours = 3;
    private const string Model = "claude-sonnet-4";
    private const long InputPerStep = 100_000, OutputPerStep = 10_000;
    private static long Steps => Hours * 6;

    private PrometheusServer _prometheus = null!;
    private BrowserApp _browserApp = null!;

    public async Task InitializeAsync()
    {
        var labels = $"job=\"app\",instance=\"pod-0\",gen_ai_request_model=\"{Model}\",gen_ai_provider_name=\"anthropic\",feature=\"chat\"";
        _prometheus = await PrometheusServer.StartAsync(openMetrics: CounterFixture.Write(Start, Hours,
            [("gen_ai_client_token_usage_input", labels, InputPerStep), ("gen_ai_client_token_usage_output", labels, OutputPerStep)]));
        _browserApp = await BrowserApp.StartAsync(_prometheus.BaseUrl, new ShiftedTimeProvider(Start.AddHours(Hours).AddMinutes(30)),
            new Dictionary<string, string?> { ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture) });
        await _browserApp.App.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(Hours));
    }

    public async Task DisposeAsync()
    {
        await _browserApp.DisposeAsync();
        await _prometheus.DisposeAsync();
    }

    private static string Report(Func<JsonObject[]> results) => new JsonObject
    {
        ["data"] = new JsonArray(new JsonObject { ["starting_at"] = "2026-11-12T00:00:00Z", ["ending_at"] = "2026-11-13T00:00:00Z", ["results"] = new JsonArray([.. results()]) }),
        ["has_more"] = false,
        ["next_page"] = null,
    }.ToJsonString();

    /// <summary>The day's cost as Anthropic billed it: input at $3.30 per 1M (CostConsole has $3.00), output at $15.</summary>
    private static JsonObject Cost(string tokenType, long tokens, decimal perMTok) => new()
    {
        ["currency"] = "USD", ["amount"] = (tokens * perMTok / 1_000_000m * 100m).ToString(CultureInfo.InvariantCulture), ["workspace_id"] = null,
        ["description"] = $"Claude Sonnet 4 {tokenType}", ["cost_type"] = "tokens", ["context_window"] = "0-200k", ["model"] = Model, ["service_tier"] = "standard", ["token_type"] = tokenType,
    };

    [Fact]
    public async Task Finance_finds_a_wrong_price_in_the_bill_and_an_engineer_fixes_it_from_the_row()
    {
        var engineerApi = _browserApp.App.CreateClient();
        await AppFactory.SignInAsync(engineerApi, await _browserApp.App.CreateUserAsync(Roles.Engineer), AppFactory.Password);
        using (var created = await engineerApi.PostAsJsonAsync("/api/v1/prices", new Dictionary<string, object?>
        {
            ["model"] = Model, ["effectiveFrom"] = "2026-11-01T00:00:00Z", ["input"] = "3", ["output"] = "15", ["confirm"] = true,
        }))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }

        var financeApi = _browserApp.App.CreateClient();
        await AppFactory.SignInAsync(financeApi, await _browserApp.App.CreateUserAsync(Roles.Finance), AppFactory.Password);
        var usage = Report(() => [new JsonObject
        {
            ["uncached_input_tokens"] = Steps * InputPerStep, ["cache_creation"] = new JsonObject { ["ephemeral_1h_input_tokens"] = 0, ["ephemeral_5m_input_tokens"] = 0 },
            ["cache_read_input_tokens"] = 0, ["output_tokens"] = Steps * OutputPerStep, ["model"] = Model, ["service_tier"] = "standard",
        }]);
        using (var imported = await financeApi.PostAsync("/api/v1/reconcile/reports?format=anthropic-usage&dryRun=false", new StringContent(usage, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, imported.StatusCode);
        }

        var file = Path.Combine(Path.GetTempPath(), $"anthropic-cost-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, Report(() => [Cost("uncached_input_tokens", Steps * InputPerStep, 3.30m), Cost("output_tokens", Steps * OutputPerStep, 15m)]));
        try
        {
            var finance = await _browserApp.SignInAsync(Roles.Finance, "/reconcile/bill");
            await finance.WaitForSelectorAsync("[data-interactive='true']");
            await finance.WaitForSelectorAsync("[data-testid='bill-totals']");
            // InputFile listens once its script has run after the first interactive render: a file chosen before that is
            // not seen, so it is chosen again until the page says it is loaded.
            for (var attempt = 1; ; attempt++)
            {
                await finance.SetInputFilesAsync("[data-testid='report-file']", file);
                try
                {
                    await finance.WaitForSelectorAsync("[data-testid='report-file-name']", new() { Timeout = 5_000 });
                    break;
                }
                catch (TimeoutException) when (attempt < 6)
                {
                }
            }

            await finance.ClickAsync("[data-testid='report-preview']");
            await finance.WaitForSelectorAsync("[data-testid='report-summary']");
            Assert.Contains("Anthropic cost report: 2026-11-12 to 2026-11-12 (UTC), 2 lines", await finance.InnerTextAsync("[data-testid='report-summary']"));
            await finance.ClickAsync("[data-testid='report-run']");
            await finance.WaitForSelectorAsync("[data-testid='report-done']");

            var flagged = finance.Locator("[data-testid='bill-row'][data-flagged='true']");
            await flagged.First.WaitForAsync();
            Assert.Equal(1, await flagged.CountAsync());
            Assert.Contains("Tokens equal, cost differs: implied $3.30/M vs $3.00/M (input)", await flagged.InnerTextAsync());
            await finance.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "bill-reconcile-flagged.png"), FullPage = true });
            var link = await flagged.Locator("[data-testid='bill-add-price']").GetAttributeAsync("href");
            Assert.NotNull(link);

            // The browser's one profile holds one session: the engineer signs in after Finance signs out.
            await finance.Context.ClearCookiesAsync();
            var engineer = await _browserApp.SignInAsync(Roles.Engineer, link);
            await engineer.WaitForSelectorAsync("[data-interactive='true']");
            await engineer.WaitForSelectorAsync("[data-testid='price-editor']");
            Assert.Equal(Model, await engineer.InputValueAsync("#price-model"));
            Assert.Equal("2026-11-12 00:00", await engineer.InputValueAsync("#price-from"));
            // The implied input price; the output price stays the one in force.
            Assert.Equal(3.30m, decimal.Parse(await engineer.InputValueAsync("#price-input"), CultureInfo.InvariantCulture));
            Assert.Equal(15m, decimal.Parse(await engineer.InputValueAsync("#price-output"), CultureInfo.InvariantCulture));
            await engineer.FillAsync("#price-reason", "Anthropic bills $3.30 per 1M input");
            await engineer.ClickAsync("[data-testid='price-preview']");
            await engineer.WaitForSelectorAsync("[data-testid='impact-summary']");
            Assert.Equal(0, await engineer.Locator("[data-testid='price-error']").CountAsync());
            await engineer.ClickAsync("[data-testid='price-save']");
            await engineer.WaitForSelectorAsync("[data-testid='price-editor']", new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });

            await finance.Context.ClearCookiesAsync();
            finance = await _browserApp.SignInAsync(Roles.Finance, "/reconcile/bill");
            await finance.WaitForSelectorAsync("[data-interactive='true']");
            await finance.WaitForSelectorAsync("[data-testid='bill-row']");
            Assert.Equal(0, await finance.Locator("[data-testid='bill-row'][data-flagged='true']").CountAsync());
            Assert.Equal("none", await finance.Locator($"[data-testid='bill-row'][data-model='{Model}']").GetAttributeAsync("data-cause"));
            Assert.Equal(1, await finance.Locator($"[data-testid='bill-row'][data-model='{Model}'] [data-testid='bill-agrees']").CountAsync());
            await finance.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "bill-reconcile-fixed.png"), FullPage = true });
        }
        finally
        {
            File.Delete(file);
        }
    }
}
