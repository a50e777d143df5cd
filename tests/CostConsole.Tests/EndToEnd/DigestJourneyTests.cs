using System.Globalization;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Features.Teams;
using CostConsole.Tests.Integration;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CostConsole.Tests.EndToEnd;

/// <summary>A manager in Debian Chromium subscribes to their team's digest, previews it, sends themselves a test and finds it in the delivery log and in the mailbox.</summary>
[Collection(DigestCollection.Name)]
public sealed class DigestJourneyTests(DigestHistoryFixture fixture) : IAsyncLifetime
{
    private MailDevServer _mail = null!;
    private BrowserApp _browserApp = null!;

    public async Task InitializeAsync()
    {
        _mail = await MailDevServer.StartAsync();
        // 08:01 UTC on the 9th: today's digest reports the 8th.
        _browserApp = await BrowserApp.StartAsync(fixture.Prometheus.BaseUrl, new SettableTimeProvider(DigestHistoryFixture.Start.AddDays(8).AddHours(8).AddMinutes(1)), new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = DigestHistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "72",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = _mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
        });
        await _browserApp.App.Services.GetRequiredService<LedgerIngestor>().SyncAsync(DigestHistoryFixture.End);
    }

    public async Task DisposeAsync()
    {
        await _browserApp.DisposeAsync();
        await _mail.DisposeAsync();
    }

    [Fact]
    public async Task A_manager_subscribes_previews_sends_a_test_and_sees_it_in_the_delivery_log()
    {
        var team = fixture.History.GroundTruth.GroupBy(t => t.Key.Team).MaxBy(g => g.Sum(t => DigestHistoryFixture.Cost(t.Key, t.Value)))!.Key;
        var email = await _browserApp.App.CreateUserAsync(Roles.Manager);
        await using (var scope = _browserApp.App.Services.CreateAsyncScope())
        {
            var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
            Assert.True((await teams.CreateAsync(team)).Succeeded);
            Assert.True((await teams.AddManagerAsync((await teams.ListAsync()).Single(t => t.Name == team).Id, email)).Succeeded);
        }

        var page = await _browserApp.SignInAsUserAsync(email, "/digests");
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await page.WaitForSelectorAsync("[data-loading='false']");
        Assert.Contains("subscribe above", await page.InnerTextAsync("[data-testid='digests-empty']"));

        // A bad zone is refused on the page; then a real one subscribes.
        await page.FillAsync("#subscribe-time", "07:30");
        await page.FillAsync("#subscribe-zone", "Mars/Base");
        await page.ClickAsync("[data-testid='subscribe-save']");
        await page.WaitForSelectorAsync("[data-testid='subscribe-error']");
        Assert.Contains("'Mars/Base' is not a known time zone", await page.InnerTextAsync("[data-testid='subscribe-error']"));
        await page.FillAsync("#subscribe-zone", "UTC");
        await page.ClickAsync("[data-testid='subscribe-save']");
        await page.WaitForSelectorAsync("[data-testid='digest-row']");
        var row = await page.InnerTextAsync("[data-testid='digest-row']");
        Assert.Contains(team, row);
        Assert.Contains("07:30 UTC", row);
        Assert.Contains("2026-11-10 (2026-11-10 07:30 UTC)", row);

        await page.ClickAsync("[data-testid='digest-open']");
        await page.WaitForSelectorAsync("[data-testid='digest-subject']");
        var day = DigestHistoryFixture.Start.AddDays(7);
        var yesterday = fixture.Spend(k => k.Team == team, day, day.AddDays(1));
        Assert.Contains($"[CostConsole] {team}: {SpendFormat.Money(yesterday)} on Sun Nov 8", await page.InnerTextAsync("[data-testid='digest-subject']"));
        var preview = page.FrameLocator("[data-testid='digest-preview']");
        Assert.Contains($"{team} spent {SpendFormat.Money(yesterday)} on Sun, Nov 8 2026 (UTC)", await preview.Locator("[data-part='headline']").InnerTextAsync());
        Assert.Contains("Nothing sent yet", await page.InnerTextAsync("[data-testid='delivery-empty']"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "digest-preview.png"), FullPage = true });

        await page.ClickAsync("[data-testid='digest-send-test']");
        await page.WaitForSelectorAsync("[data-testid='digest-test-result']");
        Assert.Equal($"Test sent to {email}.", (await page.InnerTextAsync("[data-testid='digest-test-result']")).Trim());
        await page.WaitForSelectorAsync("[data-testid='delivery-row']");
        Assert.Equal("sent", (await page.InnerTextAsync("[data-testid='delivery-status']")).Trim());
        Assert.StartsWith("250", (await page.InnerTextAsync("[data-testid='delivery-reply']")).Trim());

        var message = Assert.Single(await _mail.MessagesAsync());
        Assert.Equal($"[Test] [CostConsole] {team}: {SpendFormat.Money(yesterday)} on Sun Nov 8", message.Subject[..message.Subject.IndexOf(" (", StringComparison.Ordinal)]);
        Assert.Equal([email], message.To);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "digest-sent.png"), FullPage = true });
    }
}
