using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.EndToEnd;

/// <summary>A signed-in user opens the API reference in Debian Chromium: it renders the app's own OpenAPI document, loaded from the app alone.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class ApiReferenceJourneyTests(HistoryFixture prometheus) : IAsyncLifetime
{
    private BrowserApp _app = null!;

    public async Task InitializeAsync() => _app = await BrowserApp.StartAsync(prometheus.Prometheus.BaseUrl);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Finance_browses_the_api_reference()
    {
        var page = await _app.SignInAsync(Roles.Finance);
        await page.WaitForSelectorAsync("#overview-title", new() { Timeout = 60_000 });
        List<string> foreign = [];
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(_app.BaseUrl, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal)) foreign.Add(request.Url);
        };

        await page.GotoAsync(_app.BaseUrl + "/api-reference/");

        await page.GetByText("/api/v1/spend").First.WaitForAsync(new() { Timeout = 30_000 });
        Assert.Contains("CostConsole API", await page.ContentAsync());
        Assert.Empty(foreign);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "api-reference-1280x800.png") });
    }
}
