using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>Partial answers mid-backfill are retried and never recorded as complete hours.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class LedgerResilienceTests(HistoryFixture fixture)
{
    private AppFactory App(string url, int attempts) => new(url, new Dictionary<string, string?>
    {
        ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
        ["Ledger:ChunkHours"] = "6",
        ["Ledger:RetryAttempts"] = attempts.ToString(CultureInfo.InvariantCulture),
    });

    private static async Task<(int Hours, long Tokens)> LedgerAsync(AppFactory app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        return (await db.LedgerHours.CountAsync(), await db.LedgerRows().SumAsync(e => (long?)e.Tokens) ?? 0);
    }

    [Fact]
    public async Task Partial_answers_are_retried_and_the_hours_still_come_out_exact()
    {
        await using var proxy = await PartialAnswerProxy.StartAsync(fixture.Prometheus.BaseUrl, partialAnswers: 2);
        using var app = App(proxy.BaseUrl, attempts: 3);

        var hours = await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.Start.AddHours(12));

        Assert.Equal(12, hours);
        Assert.Equal(2, proxy.PartialAnswersSent);
        var expected = fixture.History.GroundTruth.Where(t => t.Key.Hour < HistoryFixture.Start.AddHours(12)).Sum(t => t.Value);
        Assert.Equal((12, expected), await LedgerAsync(app));
    }

    [Fact]
    public async Task When_answers_stay_partial_nothing_is_recorded_and_the_status_says_why()
    {
        await using var proxy = await PartialAnswerProxy.StartAsync(fixture.Prometheus.BaseUrl, partialAnswers: 1000);
        using var app = App(proxy.BaseUrl, attempts: 2);

        var ex = await Assert.ThrowsAsync<IncompleteAnswerException>(() => app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.Start.AddHours(12)));

        Assert.Contains("partial response: store 2 unreachable", ex.Message);
        Assert.Equal((0, 0L), await LedgerAsync(app));
        var status = app.Services.GetRequiredService<LedgerStatus>();
        Assert.Equal(LedgerState.Failing, status.State);
        Assert.Contains("not recorded", status.LastError);
    }

    [Fact]
    public async Task Without_a_configured_start_backfill_begins_where_Prometheus_data_begins()
    {
        var days = (int)Math.Ceiling((DateTimeOffset.UtcNow - HistoryFixture.Start).TotalDays) + 5;
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?> { ["Ledger:BackfillDays"] = days.ToString(CultureInfo.InvariantCulture) });

        var next = await app.Services.GetRequiredService<LedgerIngestor>().NextHourAsync();

        Assert.Equal(HistoryFixture.Start, next);
    }
}
