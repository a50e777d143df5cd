using System.Globalization;
using System.Net;
using System.Text;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Prometheus;
using CostConsole.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Answers too large, broken or cut short, a 10 MB label value and a full database, each against a real Prometheus
/// holding a fixture whose ground truth is written here: reads over the caps are split and sum to the truth; a read that
/// cannot be used records nothing and says why; the app keeps serving; once the fault is gone the ledger is exact.
/// </summary>
public sealed class LargeAnswerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);
    private const string Input = "gen_ai_client_token_usage_input_total";

    /// <summary>
    /// <paramref name="series"/> input counters over <paramref name="hours"/> hours from <see cref="Start"/>, one sample every
    /// <paramref name="stepMinutes"/>: series i starts at 1000 ten minutes before and grows by (i + 1) per step, so each
    /// hour adds (i + 1) × 60 / step tokens. Labels: instance pod-(i mod 5), feature from <paramref name="feature"/>.
    /// </summary>
    private static (string Text, Dictionary<string, long> TruthByFeature) Fixture(int series, int hours, int stepMinutes, Func<int, string> feature)
    {
        var text = new StringBuilder("# TYPE gen_ai_client_token_usage_input counter\n");
        var truth = new Dictionary<string, long>();
        var steps = hours * 60 / stepMinutes;
        for (var i = 0; i < series; i++)
        {
            var labels = $"job=\"app\",instance=\"pod-{i % 5}\",gen_ai_request_model=\"m\",feature=\"{feature(i)}\"";
            text.Append(CultureInfo.InvariantCulture, $"{Input}{{{labels}}} 1000 {Start.AddMinutes(-10).ToUnixTimeSeconds()}\n");
            for (var step = 1; step <= steps; step++)
            {
                // The last step lands a minute before the end: every hour's last sample is inside it.
                var at = Start.AddMinutes(step * stepMinutes - 1).ToUnixTimeSeconds();
                text.Append(CultureInfo.InvariantCulture, $"{Input}{{{labels}}} {1000 + (long)(i + 1) * step} {at}\n");
            }

            truth[feature(i)] = truth.GetValueOrDefault(feature(i)) + (long)(i + 1) * steps;
        }

        return (text.Append("# EOF\n").ToString(), truth);
    }

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture) };
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }

    private static async Task<Dictionary<string, long>> InputByFeatureAsync(AppFactory app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        return (await db.LedgerRows().Where(e => e.TokenType == TokenType.Input).ToListAsync()).GroupBy(e => e.Feature).ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens));
    }

    private static async Task<int> HoursAsync(AppFactory app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        return await db.LedgerHours.CountAsync() + await db.LedgerRows().CountAsync();
    }

    [Fact]
    public async Task Reads_over_the_series_cap_are_split_by_label_and_sum_to_the_ground_truth_reading_each_sample_once()
    {
        var (text, truth) = Fixture(series: 300, hours: 2, stepMinutes: 1, i => $"feature-{i / 5:D2}");
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: text);
        using var app = new AppFactory(prometheus.BaseUrl, Settings(("Prometheus:MaxAnswerSeries", "100"), ("Ledger:ChunkHours", "1")), new ShiftedTimeProvider(Start.AddHours(3)));
        var ingestor = app.Services.GetRequiredService<LedgerIngestor>();

        await ingestor.SyncAsync(Start.AddHours(2));

        Assert.Equal(truth.OrderBy(t => t.Key), (await InputByFeatureAsync(app)).OrderBy(t => t.Key));
        var status = app.Services.GetRequiredService<LedgerStatus>();
        Assert.NotNull(status.LastSplit);
        Assert.Equal(Input, status.LastSplit.Value.Metric);
        Assert.Equal("instance", status.LastSplit.Value.Label);
        Assert.True(ingestor.LastChunkParts >= 3, $"300 series at 100 a read take at least 3 parts (took {ingestor.LastChunkParts})");

        // The first hour reads its baseline look-back; the second starts where the first ended and reads only its own
        // 60 samples per series: every raw sample is read once.
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync())
        {
            var samples = await db.LedgerHours.OrderBy(h => h.HourUnix).Select(h => h.Samples).ToListAsync();
            Assert.Equal([300L * 61, 300L * 60], samples);
        }

        var engineer = await app.SignedInAsync(Roles.Engineer);
        var sources = await engineer.GetStringAsync("/sources");
        Assert.Contains("data-testid=\"ledger-split\"", sources);
        Assert.Contains("data-testid=\"ledger-memory\"", sources);
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("broken")]
    [InlineData("not a number")]
    public async Task A_malformed_or_cut_off_answer_records_nothing_says_why_and_the_app_keeps_serving(string fault)
    {
        var (text, truth) = Fixture(series: 20, hours: 2, stepMinutes: 5, i => $"feature-{i % 4}");
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: text);
        await using var proxy = await FaultyAnswerProxy.StartAsync(prometheus.BaseUrl, Input);
        using var app = new AppFactory(proxy.BaseUrl, Settings(("Ledger:RetryAttempts", "1")), new ShiftedTimeProvider(Start.AddHours(3)));
        var ingestor = app.Services.GetRequiredService<LedgerIngestor>();
        proxy.Fault = fault switch
        {
            "cut" => body => body[..(body.Length / 2)],
            "broken" => body => body.Replace("\"values\":[[", "\"values\":[[\"soon\",", StringComparison.Ordinal),
            _ => body => body.Replace(",\"1", ",\"x1", StringComparison.Ordinal),
        };

        var error = await Assert.ThrowsAsync<PrometheusException>(() => ingestor.SyncAsync(Start.AddHours(2)));

        Assert.True(proxy.FaultsSent > 0);
        Assert.Equal(PrometheusFailure.Protocol, error.Failure);
        Assert.Contains("with malformed or cut-off JSON", error.Message);
        Assert.Contains("nothing of that answer was used", error.Message);
        Assert.Equal(0, await HoursAsync(app));
        var engineer = await app.SignedInAsync(Roles.Engineer);
        Assert.Contains("malformed or cut-off JSON", await engineer.GetStringAsync("/sources"));
        Assert.Equal(HttpStatusCode.OK, (await engineer.GetAsync("/api/v1/spend?from=2026-11-12&to=2026-11-13")).StatusCode);

        proxy.Fault = null;
        await ingestor.SyncAsync(Start.AddHours(2));
        Assert.Equal(truth.OrderBy(t => t.Key), (await InputByFeatureAsync(app)).OrderBy(t => t.Key));
    }

    [Fact]
    public async Task A_ten_megabyte_label_value_is_stored_cut_and_over_the_byte_cap_it_records_nothing_and_says_why()
    {
        var huge = new string('x', 10 * 1024 * 1024);
        var (text, truth) = Fixture(series: 6, hours: 1, stepMinutes: 30, i => i == 0 ? huge : $"feature-{i}");
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: text);
        text = null;

        // With the default caps the answer (one 10 MB label) is read, and the value is cut before it is stored.
        using (var app = new AppFactory(prometheus.BaseUrl, Settings(), new ShiftedTimeProvider(Start.AddHours(2))))
        {
            await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(1));
            var byFeature = await InputByFeatureAsync(app);
            Assert.Equal(truth.Values.Sum(), byFeature.Values.Sum());
            var cut = Assert.Single(byFeature, f => f.Key.StartsWith('x'));
            Assert.Equal(new string('x', 200) + DimensionGuard.CutMarker, cut.Key);
            Assert.Equal(truth[huge], cut.Value);
            Assert.Equal(1, app.Services.GetRequiredService<LedgerStatus>().CutValues["feature"]);

            // The stored, cut value is what one filters by, and it finds exactly that series' tokens.
            var finance = await app.SignedInAsync(Roles.Finance);
            var only = System.Text.Json.JsonDocument.Parse(await finance.GetStringAsync($"/api/v1/spend?from=2026-11-12T00:00:00Z&to=2026-11-12T01:00:00Z&groupBy=feature&feature={Uri.EscapeDataString(cut.Key)}")).RootElement;
            Assert.Equal(truth[huge], only.GetProperty("totals").GetProperty("inputTokens").GetInt64());
        }

        // Under a 4 MB cap no read of that series fits, and no label tells it apart from itself: nothing is recorded.
        using (var app = new AppFactory(prometheus.BaseUrl, Settings(("Prometheus:MaxAnswerMegabytes", "4"), ("Ledger:RetryAttempts", "1")), new ShiftedTimeProvider(Start.AddHours(2))))
        {
            var error = await Assert.ThrowsAsync<PrometheusException>(() => app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(1)));
            Assert.Equal(PrometheusFailure.TooLarge, error.Failure);
            Assert.Contains("with more than 4 MB (Prometheus:MaxAnswerMegabytes); the answer was abandoned unread", error.Message);
            Assert.Contains("It cannot be split further", error.Message);
            Assert.Equal(0, await HoursAsync(app));
            var engineer = await app.SignedInAsync(Roles.Engineer);
            Assert.Contains("It cannot be split further", await engineer.GetStringAsync("/sources"));
        }
    }

    [Fact]
    public async Task A_full_database_pauses_ingestion_without_stopping_the_app_and_the_ledger_catches_up_once_there_is_room()
    {
        // Long feature names (under the 200-character cut) and many of them: stored once each, with their unique index,
        // the dimension sets alone need over a megabyte more than the empty database.
        var (text, truth) = Fixture(series: 3000, hours: 3, stepMinutes: 20, i => $"feature-{i:D4}-" + new string('f', 180));
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: text);
        var clock = new ShiftedTimeProvider(Start.AddMinutes(5));
        using var app = new AppFactory(prometheus.BaseUrl, Settings(("Ledger:Enabled", "true"), ("Ledger:PollSeconds", "5"), ("Ledger:ChunkHours", "3")), clock);
        var engineer = await app.SignedInAsync(Roles.Engineer);
        var status = app.Services.GetRequiredService<LedgerStatus>();

        // Room for what is there plus less than a megabyte: as if the disk filled up.
        long bytes;
        await using (var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var size = connection.CreateCommand();
            size.CommandText = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";
            bytes = (long)(await size.ExecuteScalarAsync())!;
        }

        var configuration = app.Services.GetRequiredService<IConfiguration>();
        configuration["Database:MaxSizeMegabytes"] = (bytes / (1024 * 1024) + 1).ToString(CultureInfo.InvariantCulture);
        clock.Jump(TimeSpan.FromHours(3));
        await WaitUntil.TrueAsync(() => Task.FromResult(status.State == LedgerState.Failing), TimeSpan.FromSeconds(60), "ingestion to fail on the full database");
        Assert.Contains("the database or its disk is full (SQLITE_FULL)", status.LastError);
        Assert.Equal(0, await HoursAsync(app));
        Assert.Equal(HttpStatusCode.OK, (await engineer.GetAsync("/api/v1/spend?from=2026-11-12&to=2026-11-13")).StatusCode);
        Assert.Contains("data-testid=\"ledger-error\"", await engineer.GetStringAsync("/sources"));

        configuration["Database:MaxSizeMegabytes"] = "0";
        await WaitUntil.TrueAsync(() => Task.FromResult(status.State != LedgerState.Failing && status.Through == Start.AddHours(3)), TimeSpan.FromSeconds(90), "ingestion to catch up");
        Assert.Equal(truth.OrderBy(t => t.Key), (await InputByFeatureAsync(app)).OrderBy(t => t.Key));
    }

    [Fact]
    public async Task Twenty_thousand_series_keep_every_total_exact_under_the_caps_and_pages_show_the_top_with_an_exact_remainder()
    {
        // A user_id-like feature label: 20,000 series, each its own value; the feature dimension may hold 5,000.
        var (text, truth) = Fixture(series: 20_000, hours: 2, stepMinutes: 30, i => $"user-{i:D5}");
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: text);
        text = null;
        using var app = new AppFactory(prometheus.BaseUrl, Settings(("Prometheus:MaxAnswerSeries", "6000")), new ShiftedTimeProvider(Start.AddHours(3)));
        await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(2));

        // Caps applied: reads split, 5,000 values kept each with its exact tokens, the rest in (other), the sum exact.
        Assert.NotNull(app.Services.GetRequiredService<LedgerStatus>().LastSplit);
        var byFeature = await InputByFeatureAsync(app);
        Assert.Equal(5_001, byFeature.Count);
        var kept = byFeature.Where(f => f.Key != DimensionGuard.Other).ToList();
        Assert.All(kept, f => Assert.Equal(truth[f.Key], f.Value));
        Assert.Equal(truth.Values.Sum() - kept.Sum(f => f.Value), byFeature[DimensionGuard.Other]);

        // The explorer renders the top 100 and one remainder row, whose input tokens close the total exactly.
        var finance = await app.SignedInAsync(Roles.Finance);
        var html = await finance.GetStringAsync("/explore?range=custom&from=2026-11-12&to=2026-11-12&tz=UTC&by=feature&sort=input");
        Assert.True(html.Length < 1_000_000, $"the page is {html.Length:N0} characters");
        Assert.Equal(100, html.Split("data-testid=\"explorer-row\"").Length - 1);
        Assert.Contains("4,901 more rows below the top 100", html);
        var top = byFeature.OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal).Take(100).Sum(f => f.Value);
        Assert.Contains($"<td class=\"num\">{truth.Values.Sum() - top:N0}</td>", html.Split("data-testid=\"explorer-rest\"")[1]);

        // The API's paged walk visits every row once and sums to its totals, which are the ground truth.
        long walked = 0;
        var rows = 0;
        string? cursor = null;
        do
        {
            var page = System.Text.Json.JsonDocument.Parse(await finance.GetStringAsync("/api/v1/spend?from=2026-11-12T00:00:00Z&to=2026-11-12T02:00:00Z&groupBy=feature&limit=1000" + (cursor is null ? "" : "&cursor=" + cursor))).RootElement;
            Assert.Equal(truth.Values.Sum(), page.GetProperty("totals").GetProperty("inputTokens").GetInt64());
            foreach (var row in page.GetProperty("rows").EnumerateArray())
            {
                walked += row.GetProperty("inputTokens").GetInt64();
                rows++;
            }

            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(5_001, rows);
        Assert.Equal(truth.Values.Sum(), walked);
    }

    [Fact]
    public async Task Killed_mid_sync_the_ledger_holds_only_whole_hours_and_the_next_sync_completes_it_exactly()
    {
        var (text, _) = Fixture(series: 2000, hours: 12, stepMinutes: 5, i => $"feature-{i:D4}");
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: text);
        text = null;
        // Each hour's read takes at least 300 ms, so the kill lands while hours are still being read and written.
        await using var slow = await FaultyAnswerProxy.StartAsync(prometheus.BaseUrl, Input);
        slow.Delay = TimeSpan.FromMilliseconds(300);
        var folder = Directory.CreateTempSubdirectory("costconsole-kill-");
        var database = Path.Combine(folder.FullName, "costconsole.db");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__CostConsole"] = $"Data Source={database}",
            ["Prometheus__BaseUrl"] = slow.BaseUrl,
            ["Ledger__BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger__ChunkHours"] = "1",
            ["Ledger__Enabled"] = "false",
        };
        var until = Start.AddHours(12).ToString("O", CultureInfo.InvariantCulture);
        var hourTruth = 12L * 2000 * 2001 / 2; // each series i adds (i + 1) × 12 tokens an hour

        var log = new StringWriterLog();
        var sync = PrometheusServer.Start("dotnet", [AppProcessDll, "ledger", "sync", "--until", until], log, info =>
        {
            foreach (var (name, value) in settings) info.Environment[name] = value;
        });
        // Killed as soon as a few hours are in: wherever it is then (reading a chunk or writing one), nothing is half-kept.
        await WaitUntil.TrueAsync(async () => await CountAsync(database, "SELECT COUNT(*) FROM LedgerHours") >= 3 || sync.HasExited, TimeSpan.FromSeconds(90), "a few hours to be ingested");
        Assert.False(sync.HasExited, $"the sync ended before it could be killed: {log.Text}");
        sync.Kill(entireProcessTree: true);
        await sync.WaitForExitAsync();

        var hours = await CountAsync(database, "SELECT COUNT(*) FROM LedgerHours");
        Assert.InRange(hours, 3, 11);
        // Every hour with rows is a completed hour, with exactly its tokens; the days hold exactly their hours' sum.
        Assert.Equal(0, await CountAsync(database, "SELECT COUNT(*) FROM LedgerTokens WHERE HourUnix NOT IN (SELECT HourUnix FROM LedgerHours)"));
        Assert.Equal(0, await CountAsync(database, $"SELECT COUNT(*) FROM (SELECT HourUnix, SUM(Tokens) AS t FROM LedgerTokens WHERE TokenType = {(int)TokenType.Input} GROUP BY HourUnix) WHERE t <> {hourTruth}"));
        Assert.Equal(hours, await CountAsync(database, $"SELECT COUNT(DISTINCT HourUnix) FROM LedgerTokens WHERE TokenType = {(int)TokenType.Input}"));
        Assert.Equal(await CountAsync(database, "SELECT COALESCE(SUM(Tokens), 0) FROM LedgerTokens"), await CountAsync(database, "SELECT COALESCE(SUM(Tokens), 0) FROM LedgerDays"));

        var (code, output, error) = await AppProcess.RunAsync(settings, "ledger", "sync", "--until", until);
        Assert.True(code == 0, output + error);
        Assert.Equal(12, await CountAsync(database, "SELECT COUNT(*) FROM LedgerHours"));
        Assert.Equal(12 * hourTruth, await CountAsync(database, $"SELECT SUM(Tokens) FROM LedgerTokens WHERE TokenType = {(int)TokenType.Input}"));
        folder.Delete(recursive: true);
    }

    private static string AppProcessDll => Path.Combine(AppContext.BaseDirectory, "CostConsole.dll");

    private static async Task<long> CountAsync(string database, string sql)
    {
        if (!File.Exists(database)) return 0;
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0; // not migrated yet
        }
    }
}
