using System.Globalization;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Prometheus;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>A window that reaches now: closed hours from the ledger, the open hour live from Prometheus, and it says so.</summary>
public sealed class LiveHourTests
{
    [Fact]
    public async Task The_open_hour_is_read_live_and_the_total_matches_ground_truth()
    {
        var now = DateTimeOffset.UtcNow;
        var openHour = RangeWindow.Floor(now, TimeSpan.FromHours(1));
        var start = openHour.AddHours(-3);
        // History up to a minute ago, so the open hour already holds some scrapes.
        var end = RangeWindow.Floor(now, TimeSpan.FromMinutes(1)).AddMinutes(-1);
        var settings = new WorkloadSettings { Seed = 5, Start = start, FeatureCount = 6, PodsPerTeam = 1, RequestsPerMinute = 30 };
        await using var prometheus = await PrometheusServer.StartAsync(settings, end);
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = start.ToString("O", CultureInfo.InvariantCulture),
        });
        await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(now);

        var result = await app.Services.GetRequiredService<SpendQuery>().RunAsync(new SpendRequest(start, openHour.AddHours(1), ["hour"]));

        var truth = prometheus.History!.GroundTruth;
        long Input(Func<DateTimeOffset, bool> hour) => truth.Where(t => t.Key.TokenType == Family.InputTokens && hour(t.Key.Hour)).Sum(t => t.Value);
        Assert.Equal(openHour, result.LedgerThrough);
        Assert.Equal(Input(_ => true), result.Totals.InputTokens);
        // In the first minutes of an hour the open hour may hold no scrape yet: then it has no row, and truth has none either.
        var live = result.Rows.SingleOrDefault(r => r.Keys[0] == openHour.UtcDateTime.ToString("yyyy-MM-ddTHH:00:00Z", CultureInfo.InvariantCulture));
        Assert.Equal(Input(h => h == openHour), live?.Figures.InputTokens ?? 0);
        Assert.Contains(result.Warnings, w => w.Contains("live from Prometheus"));
    }
}
