using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The database locked by a second connection for longer than the busy timeout: ingestion pauses and says why, the
/// app keeps serving, a write answers 503 with Retry-After and changes nothing, and once the lock is gone the ledger
/// catches up to the ground truth.
/// </summary>
public sealed class LedgerFaultTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
    // Shorter than the sign-in cookie's 12 hours: the clock jumps over it with the engineer still signed in.
    private static readonly DateTimeOffset End = Start.AddHours(6);

    [Fact]
    public async Task A_locked_database_pauses_ingestion_without_stopping_the_app_and_the_ledger_catches_up()
    {
        await using var prometheus = await PrometheusServer.StartAsync(new WorkloadSettings
        {
            Seed = 9, Start = Start, FeatureCount = 6, PodsPerTeam = 1, MinPodLifetimeHours = 3, MaxPodLifetimeHours = 8, RequestsPerMinute = 20,
        }, End);
        // The clock starts inside the history's first hour: nothing is closed yet, so nothing is ingested before the lock.
        var clock = new ShiftedTimeProvider(Start.AddMinutes(5));
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:Enabled"] = "true",
            ["Ledger:PollSeconds"] = "5",
            ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture),
            ["Database:BusyTimeoutSeconds"] = "1",
        }, clock);
        var engineer = await app.SignedInAsync(Roles.Engineer);
        var status = app.Services.GetRequiredService<LedgerStatus>();
        var pricesBefore = await engineer.GetStringAsync("/api/v1/prices");

        // A second connection, as a backup or an sqlite3 shell would hold it (not pooled: closing it must release the lock).
        await using (var locker = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False"))
        {
            await locker.OpenAsync();
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }

            clock.Jump(End - Start);
            await Until(() => status.State == LedgerState.Failing, "ingestion to fail on the lock");
            Assert.Contains("the database is locked by another connection", status.LastError);

            // The app keeps serving: pages read, /readyz says degraded and why.
            Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/healthz")).StatusCode);
            var ready = await engineer.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("Ledger: ingestion is failing and retries: the database: the database is locked", await ready.Content.ReadAsStringAsync());
            var sources = await engineer.GetStringAsync("/sources");
            Assert.Contains("data-testid=\"ledger-error\"", sources);

            // A write meets the lock: 503, Retry-After, problem details, within the busy timeout, nothing changed.
            var clockStart = System.Diagnostics.Stopwatch.StartNew();
            using var write = await engineer.PostAsJsonAsync("/api/v1/prices", new Dictionary<string, object?> { ["model"] = "locked-model", ["effectiveFrom"] = "2026-11-10T00:00:00Z", ["input"] = "1", ["output"] = "2" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
            Assert.Equal("application/problem+json", write.Content.Headers.ContentType?.MediaType);
            Assert.True(write.Headers.RetryAfter is not null, "Retry-After is set");
            var problem = await write.Content.ReadFromJsonAsync<JsonElement>();
            Assert.StartsWith("Nothing was changed: the database is locked", problem.GetProperty("detail").GetString());
            Assert.True(clockStart.Elapsed < TimeSpan.FromSeconds(20), $"answered after {clockStart.Elapsed}");

            await using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        // Lock released: ingestion resumes on its own and the ledger equals the ground truth.
        await Until(() => status.State != LedgerState.Failing && status.Through == End, "ingestion to catch up");
        Assert.Equal(pricesBefore, await engineer.GetStringAsync("/api/v1/prices"));
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        var ledger = await db.LedgerRows().Where(e => e.TokenType == TokenType.Input).GroupBy(e => e.HourUnix).Select(g => new { g.Key, Tokens = g.Sum(e => e.Tokens) }).ToListAsync();
        var truth = prometheus.History!.GroundTruth.Where(t => t.Key.TokenType == Family.InputTokens).GroupBy(t => t.Key.Hour.ToUnixTimeSeconds()).ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        Assert.Equal(truth.OrderBy(t => t.Key), ledger.ToDictionary(l => l.Key, l => l.Tokens).OrderBy(l => l.Key));
    }

    [Fact]
    public async Task An_hour_closes_after_it_settles_and_a_re_read_takes_in_late_samples_once()
    {
        await using var prometheus = await PrometheusServer.StartAsync(new WorkloadSettings
        {
            Seed = 13, Start = Start, FeatureCount = 6, PodsPerTeam = 1, MinPodLifetimeHours = 3, MaxPodLifetimeHours = 8, RequestsPerMinute = 20,
        }, End);
        // The last ten minutes of the history have not arrived when the last hour is first read.
        await using var proxy = await LateSampleProxy.StartAsync(prometheus.BaseUrl, End.AddMinutes(-10));
        var clock = new ShiftedTimeProvider(End.AddMinutes(1));
        using var app = new AppFactory(proxy.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:SettleSeconds"] = "120",
            ["Ledger:RereadHours"] = "2",
            ["Ledger:RereadAfterSeconds"] = "600",
        }, clock);
        var ingestor = app.Services.GetRequiredService<LedgerIngestor>();
        var factory = app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>();
        var lastHour = End.AddHours(-1).ToUnixTimeSeconds();
        async Task<Dictionary<(long, string, string, string, TokenType), long>> LedgerAsync()
        {
            await using var db = await factory.CreateDbContextAsync();
            return (await db.LedgerRows().ToListAsync()).GroupBy(e => (e.HourUnix, e.Model, e.Feature, e.Team + "/" + e.Outcome, e.TokenType)).ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens));
        }

        // A minute after the end the last hour has not settled: it is not closed yet.
        await ingestor.SyncAsync(End);
        Assert.Equal(End.AddHours(-1), await ingestor.ThroughAsync());

        // Settled, it is read, but its last samples are still missing.
        clock.Jump(TimeSpan.FromMinutes(2));
        await ingestor.SyncAsync(End);
        Assert.Equal(End, await ingestor.ThroughAsync());
        var first = await LedgerAsync();
        long Input(Dictionary<(long, string, string, string, TokenType), long> ledger) => ledger.Where(e => e.Key.Item1 == lastHour && e.Key.Item5 == TokenType.Input).Sum(e => e.Value);
        var truth = prometheus.History!.GroundTruth.Where(t => t.Key.Hour.ToUnixTimeSeconds() == lastHour && t.Key.TokenType == Family.InputTokens).Sum(t => t.Value);
        Assert.True(Input(first) < truth, $"the first read of the last hour should miss its late samples ({Input(first)} of {truth})");

        // The samples arrive; ten minutes after ingestion the newest hours are read again and corrected.
        proxy.Hiding = false;
        clock.Jump(TimeSpan.FromMinutes(11));
        await ingestor.SyncAsync(End);
        var second = await LedgerAsync();
        Assert.Equal(truth, Input(second));
        var changed = second.Keys.Union(first.Keys).Sum(k => Math.Abs(second.GetValueOrDefault(k) - first.GetValueOrDefault(k)));
        await using (var db = await factory.CreateDbContextAsync())
        {
            var hour = await db.LedgerHours.AsNoTracking().SingleAsync(h => h.HourUnix == lastHour);
            Assert.Equal(changed, hour.CorrectedTokens);
            Assert.NotNull(hour.RereadUtc);
        }

        Assert.Equal((End.AddHours(-1), changed), (app.Services.GetRequiredService<LedgerStatus>().LastCorrection!.Value.Hour, app.Services.GetRequiredService<LedgerStatus>().LastCorrection!.Value.Tokens));

        // Once is enough: another sync later leaves the corrected hours as they are.
        clock.Jump(TimeSpan.FromMinutes(30));
        await ingestor.SyncAsync(End);
        Assert.Equal(second.OrderBy(e => e.Key), (await LedgerAsync()).OrderBy(e => e.Key));
    }

    [Fact]
    public async Task A_runaway_label_is_capped_and_cut_with_every_total_exact_and_the_fix_named()
    {
        // 15 features on one counter, one of them 300 characters long; the feature dimension may hold 10.
        var at = Start.AddMinutes(30).ToUnixTimeSeconds();
        var text = new System.Text.StringBuilder("# TYPE gen_ai_client_token_usage_input counter\n");
        var features = Enumerable.Range(0, 14).Select(i => $"feature-{i:D2}").Append(new string('x', 300)).ToList();
        for (var i = 0; i < features.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"gen_ai_client_token_usage_input_total{{job=\"app\",instance=\"a\",gen_ai_request_model=\"m\",feature=\"{features[i]}\"}} {100 + i} {at}\n");
        }

        text.Append("# EOF\n");
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: text.ToString());
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:MaxValuesPerDimension"] = "10",
            ["Ledger:MaxLabelLength"] = "40",
        }, new ShiftedTimeProvider(Start.AddHours(2)));
        await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(1));

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        var byFeature = (await db.LedgerRows().ToListAsync()).GroupBy(e => e.Feature).ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens));
        Assert.Equal(features.Select((_, i) => 100L + i).Sum(), byFeature.Values.Sum());
        Assert.Equal(11, byFeature.Count);
        Assert.Contains(DimensionGuard.Other, byFeature.Keys);
        Assert.All(byFeature.Keys, f => Assert.True(f.Length <= 40 + DimensionGuard.CutMarker.Length));

        var status = app.Services.GetRequiredService<LedgerStatus>();
        Assert.Equal(5, status.FoldedValues["feature"]);
        var engineer = await app.SignedInAsync(Roles.Engineer);
        Assert.Contains("The feature dimension holds its cap of 10 values", await engineer.GetStringAsync("/sources"));
        Assert.Contains("the feature dimension is full (5 more values counted under (other))", await engineer.GetStringAsync("/readyz"));
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
