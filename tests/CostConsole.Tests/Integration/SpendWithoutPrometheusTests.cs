using System.Globalization;
using System.Net;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// A filled ledger and a Prometheus that is gone: the pages keep showing the ledger's figures with their freshness,
/// and every live figure says why it is missing instead of showing $0.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class SpendWithoutPrometheusTests(HistoryFixture fixture)
{
    [Fact]
    public async Task The_overview_shows_the_ledger_and_the_live_panel_names_the_failure()
    {
        using var filler = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "24",
        });
        await filler.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End);
        var expected = await filler.Services.GetRequiredService<SpendQuery>().RunAsync(new SpendRequest(HistoryFixture.Start, HistoryFixture.End, []));
        SqliteConnection.ClearAllPools();

        var gone = $"http://127.0.0.1:{PrometheusServer.FreePort()}";
        using var app = new AppFactory(gone, time: new ShiftedTimeProvider(HistoryFixture.End.AddMinutes(30)));
        foreach (var suffix in new[] { "", "-wal", "-shm" }.Where(s => File.Exists(filler.DatabasePath + s)))
        {
            File.Copy(filler.DatabasePath + suffix, app.DatabasePath + suffix, overwrite: true);
        }

        var client = await app.SignedInAsync(Roles.Finance);
        var page = WebUtility.HtmlDecode(await client.GetStringAsync("/?tz=UTC"));
        var burn = await app.Services.GetRequiredService<BurnRate>().ReadAsync();

        // Month to date is the ledger's three days; the open hour is marked as missing, not added as $0.
        Assert.Contains(SpendFormat.Money(expected.Totals.CostUsd) + " *", page);
        Assert.Contains("Exact through 2026-11-20 00:00 UTC", page);
        Assert.Contains("The open hour could not be read from Prometheus", page);
        Assert.Null(burn.UsdPerHour);
        Assert.Contains("127.0.0.1", burn.RateProblem);
        Assert.Null(burn.OpenHourUsd);
        Assert.Contains("could not be read", burn.OpenHourProblem);
    }
}
