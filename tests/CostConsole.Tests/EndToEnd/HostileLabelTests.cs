using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CostConsole.Tests.EndToEnd;

[CollectionDefinition(Name)]
public sealed class HostileLabelsCollection : ICollectionFixture<HostileLabelsFixture>
{
    public const string Name = "hostile label values";
}

/// <summary>
/// Every page that shows label values, in Debian Chromium, against a Prometheus whose feature, model, team and
/// provider values are attacks: no script runs (<c>window.__pwned</c> stays undefined), the values read literally,
/// and every page carries the Content-Security-Policy.
/// </summary>
[Collection(HostileLabelsCollection.Name)]
public sealed class HostileLabelTests(HostileLabelsFixture hostile) : IAsyncLifetime
{
    private BrowserApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await BrowserApp.StartAsync(hostile.Prometheus.BaseUrl, new SettableTimeProvider(HostileLabelsFixture.End.AddMinutes(30)));
        await _app.App.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HostileLabelsFixture.End);
        // One pattern prices every model, so each hostile model has spend and becomes a series of the charts.
        var problems = await _app.App.Services.GetRequiredService<PriceStore>()
            .ImportAsync([new PriceEntry("re:.*", HostileLabelsFixture.Start.AddDays(-1), 1m, 4m)], "hostile-label-test");
        Assert.Empty(problems);
        await using var scope = _app.App.Services.CreateAsyncScope();
        var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
        foreach (var payload in HostileLabelsFixture.Payloads)
        {
            await teams.CreateAsync(payload[..Math.Min(payload.Length, 60)]); // a name the form refuses is simply not there
        }
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static async Task<IPage> VisitAsync(IPage page, string url, string? waitFor = null)
    {
        var response = await page.GotoAsync(url);
        Assert.NotNull(response);
        Assert.Contains("script-src 'self'", (await response.AllHeadersAsync()).GetValueOrDefault("content-security-policy") ?? "");
        await page.WaitForSelectorAsync("[data-interactive='true'] [data-loading='false']", new() { Timeout = 60_000 });
        if (waitFor is not null)
        {
            await page.WaitForSelectorAsync(waitFor, new() { Timeout = 30_000 });
        }

        return page;
    }

    /// <summary>Hovers the chart's first bar so its tooltip (written with innerHTML by ApexCharts) renders.</summary>
    private static async Task HoverChartAsync(IPage page, string testId)
    {
        var bar = page.Locator($"[data-testid='{testId}'] .apexcharts-bar-area:not([val='0'])").First;
        await bar.HoverAsync(new() { Force = true });
        await page.WaitForSelectorAsync($"[data-testid='{testId}'] .apexcharts-tooltip.apexcharts-active", new() { Timeout = 10_000 });
    }

    private static async Task AssertNotPwnedAsync(IPage page, string where)
    {
        Assert.True(await page.EvaluateAsync<bool>("() => window.__pwned === undefined"), $"a label value ran script on {where}");
    }

    [Fact]
    public async Task No_page_runs_a_label_value_as_script_and_each_shows_it_literally()
    {
        var page = await _app.SignInAsync(Roles.Admin);
        await page.WaitForSelectorAsync("#overview-title", new() { Timeout = 60_000 });
        var baseUrl = _app.BaseUrl;

        foreach (var by in new[] { "feature", "model", "team" })
        {
            await VisitAsync(page, $"{baseUrl}/?tz=UTC&by={by}", "[data-testid='overview-chart'] .apexcharts-legend-text");
            var legend = await page.Locator("[data-testid='overview-chart'] .apexcharts-legend-text").AllTextContentsAsync();
            // The chart shows its top series by name, the rest as Other: each name as the text it is.
            Assert.Contains(HostileLabelsFixture.Payloads[0], legend);
            Assert.Contains(HostileLabelsFixture.Payloads[1], legend);
            Assert.Contains(HostileLabelsFixture.Payloads[2], legend);
            await HoverChartAsync(page, "overview-chart");
            Assert.Contains("onerror", await page.InnerTextAsync("[data-testid='overview-chart'] .apexcharts-tooltip") + string.Join(" ", legend));
            await AssertNotPwnedAsync(page, $"the overview by {by}");
        }

        foreach (var by in new[] { "feature", "model", "team", "provider", "operation", "outcome" })
        {
            await VisitAsync(page, $"{baseUrl}/explore?range=custom&from=2026-11-10&to=2026-11-10&tz=UTC&by={by}", "[data-testid='explorer-row']");
            if (by is "feature" or "model" or "team" or "provider")
            {
                Assert.Contains(HostileLabelsFixture.Payloads[0], await page.InnerTextAsync("table"));
                await page.WaitForSelectorAsync("[data-testid='explorer-chart'] .apexcharts-svg");
                await HoverChartAsync(page, "explorer-chart");
            }

            await AssertNotPwnedAsync(page, $"the explorer by {by}");
        }

        // Drilled into the first hostile feature, by model.
        await VisitAsync(page, $"{baseUrl}/explore?range=custom&from=2026-11-10&to=2026-11-10&tz=UTC&by=model&feature={Uri.EscapeDataString(HostileLabelsFixture.Payloads[0])}", "[data-testid='explorer-row']");
        Assert.Contains(HostileLabelsFixture.Payloads[1], await page.InnerTextAsync("table"));
        await AssertNotPwnedAsync(page, "the drilled explorer");

        await VisitAsync(page, $"{baseUrl}/changes?a=2026-11-09..2026-11-09&b=2026-11-10..2026-11-10&tz=UTC");
        await AssertNotPwnedAsync(page, "what changed");
        await VisitAsync(page, $"{baseUrl}/budgets");
        await AssertNotPwnedAsync(page, "budgets");
        await VisitAsync(page, $"{baseUrl}/prices");
        await AssertNotPwnedAsync(page, "prices");
        await VisitAsync(page, $"{baseUrl}/prices?model={Uri.EscapeDataString(HostileLabelsFixture.Payloads[1])}");
        await AssertNotPwnedAsync(page, "a model's price timeline");
        await page.GotoAsync($"{baseUrl}/sources");
        await page.WaitForSelectorAsync("[data-testid='source-metric']", new() { Timeout = 30_000 });
        await AssertNotPwnedAsync(page, "sources");
        await VisitAsync(page, $"{baseUrl}/alerts");
        await AssertNotPwnedAsync(page, "alerts");

        // The org digest of the hostile day, previewed.
        var id = await CreateOrgDigestAsync(await _app.App.CreateUserAsync(Roles.Finance));

        Assert.False(hostile.Prometheus.HasExited, hostile.Prometheus.Log.Text);
        await page.GotoAsync($"{baseUrl}/digests/{id}?date=2026-11-11");
        // The plain-text part sits in a tab behind the HTML preview: read as the text it holds.
        await page.WaitForSelectorAsync("[data-testid='digest-text']:not(:empty)", new() { Timeout = 30_000, State = WaitForSelectorState.Attached });
        var digest = await page.TextContentAsync("[data-testid='digest-text']") ?? "";
        // Its top movers are some of the hostile features (all spent alike): named as the text they are.
        Assert.True(HostileLabelsFixture.Payloads.Any(p => p.Length < 100 && digest.Contains(p, StringComparison.Ordinal)), digest);
        await AssertNotPwnedAsync(page, "the digest preview");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "hostile-digest-preview.png") });
    }

    [Fact]
    public async Task Every_export_of_hostile_labels_parses_and_no_cell_starts_a_formula()
    {
        using var client = _app.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri(_app.BaseUrl) });
        await AppFactory.SignInAsync(client, await _app.App.CreateUserAsync(Roles.Admin), AppFactory.Password);
        var window = "from=2026-11-10T00:00:00Z&to=2026-11-10T03:00:00Z";
        string[] exports =
        [
            $"/api/v1/spend?{window}&groupBy=feature,model,team,provider,operation&format=csv",
            "/api/v1/exports/chargeback?month=2026-11",
            $"/api/v1/exports/focus?{window}",
            "/api/v1/budgets/export",
            "/api/v1/prices/export",
        ];

        foreach (var export in exports)
        {
            using var response = await client.GetAsync(export);
            Assert.True(response.IsSuccessStatusCode, $"{export}: {(int)response.StatusCode}");
            var records = CostConsole.Csv.CsvTable.Read(await response.Content.ReadAsStringAsync(), restore: false);
            Assert.True(records.Count > 1, $"{export} has no rows");
            var width = records[0].Fields.Length;
            foreach (var (line, fields) in records)
            {
                Assert.True(fields.Length == width, $"{export} line {line} has {fields.Length} fields, the header {width}");
                foreach (var cell in fields)
                {
                    var runs = cell.Length > 0 && "=+-@\t\r".Contains(cell[0]) && !decimal.TryParse(cell, System.Globalization.CultureInfo.InvariantCulture, out _);
                    Assert.False(runs, $"{export} line {line}: a spreadsheet would run '{cell}'");
                }
            }
        }

        // The spend export names the hostile values as they are, once the defusing ' is taken off.
        using var spend = await client.GetAsync(exports[0]);
        var cells = CostConsole.Csv.CsvTable.Read(await spend.Content.ReadAsStringAsync()).SelectMany(r => r.Fields).ToHashSet();
        Assert.Contains(HostileLabelsFixture.Payloads[4], cells);
        Assert.Contains(HostileLabelsFixture.Payloads[5], cells);
        Assert.Contains(HostileLabelsFixture.Payloads[6], cells);
    }

    private async Task<int> CreateOrgDigestAsync(string email)
    {
        using var client = _app.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri(_app.BaseUrl) });
        await AppFactory.SignInAsync(client, email, AppFactory.Password);
        using var created = await client.PostAsync("/api/v1/digests", JsonBody(new { scope = "org", sendAt = "08:00", timeZone = "UTC" }));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    private static StringContent JsonBody(object value) => new(JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");
}
