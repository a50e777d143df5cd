using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Integration;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// A new user in Debian Chromium points CostConsole at a Prometheus holding Bifrost's real shape while the profile is
/// still otel-seed: the Sources page says what it found and suggests bifrost; after switching, the overview shows the
/// teams by name.
/// </summary>
public sealed class SourceDiscoveryJourneyTests
{
    [Fact]
    public async Task The_sources_page_suggests_the_profile_that_holds_data_and_after_switching_teams_show_by_name()
    {
        await using var prometheus = await PrometheusServer.StartAsync(SourceDetectionTests.RecentBifrost(out var end), end);
        var teams = prometheus.History!.GroundTruth.Keys.Select(k => k.Team).Distinct().ToList();

        await using (var first = await BrowserApp.StartAsync(prometheus.BaseUrl))
        {
            var page = await first.SignInAsync(Roles.Engineer, "/sources");
            var suggestion = await page.WaitForSelectorAsync("[data-testid='profile-suggestion']");
            Assert.Contains("set Prometheus:Profile to bifrost", await suggestion!.InnerTextAsync());
            var found = await page.InnerTextAsync("[data-testid='detected-profile'][data-profile='bifrost']");
            Assert.Contains($"team from team_name: {teams.Count} values", found);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "sources-suggests-bifrost.png"), FullPage = true });
        }

        await using var second = await BrowserApp.StartAsync(prometheus.BaseUrl, settings: new Dictionary<string, string?> { ["Prometheus:Profile"] = "bifrost" });
        await second.App.Services.GetRequiredService<LedgerIngestor>().SyncAsync(end);
        var overview = await second.SignInAsync(Roles.Finance, "/");
        await overview.WaitForSelectorAsync("[data-testid='top-team'] tbody tr");
        var shown = await overview.Locator("[data-testid='top-team'] tbody tr:not([data-testid='top-team-rest']) td:first-child").AllInnerTextsAsync();
        Assert.NotEmpty(shown);
        Assert.All(shown, name => Assert.Contains(name.Trim(), teams));
        // Five by name, and the others counted in one exact remainder row.
        Assert.Equal(Math.Min(5, teams.Count), shown.Count);
        if (teams.Count > 5)
        {
            Assert.Equal($"{teams.Count - 5} more", (await overview.InnerTextAsync("[data-testid='top-team-rest'] td:first-child")).Trim());
        }
        await overview.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "overview-bifrost-teams.png"), FullPage = true });
    }
}
