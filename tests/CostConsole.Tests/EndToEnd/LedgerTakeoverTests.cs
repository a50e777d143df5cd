using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Xunit.Abstractions;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// Two CostConsole processes (the real binary, configured by environment) on one real PostgreSQL and one Prometheus:
/// one holds the ledger lease and ingests; it is killed (SIGKILL) in the middle of its backfill; the other takes the
/// lease over within a minute and finishes, and the ledger equals the ground truth to the token — no hour lost, none
/// counted twice.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class LedgerTakeoverTests(HistoryFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_ledger_writer_mid_backfill_hands_the_ledger_to_the_other_replica_exact_to_the_token()
    {
        var database = PostgreSqlServer.Shared.CreateDatabase();
        try
        {
            // Replica A reads through a slow proxy (each read of the input counter held a moment), so the kill lands in the
            // middle of its backfill; B reads Prometheus directly.
            await using var slow = await FaultyAnswerProxy.StartAsync(fixture.Prometheus.BaseUrl, "gen_ai_client_token_usage_input_total");
            slow.Delay = TimeSpan.FromMilliseconds(250);
            Dictionary<string, string?> Settings(string replica) => new()
            {
                ["Database__Provider"] = "PostgreSql",
                ["ConnectionStrings__CostConsole"] = database,
                ["Replica__Name"] = replica,
                ["Prometheus__BaseUrl"] = replica == "replica-a" ? slow.BaseUrl : fixture.Prometheus.BaseUrl,
                ["Ledger__BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
                ["Ledger__ChunkHours"] = "1",
                ["Ledger__PollSeconds"] = "5",
            };

            var dll = ProductProcess.BuildOutput;
            await using var a = await ProductProcess.StartAsync(dll, Settings("replica-a"));
            await WaitUntil.TrueAsync(async () => await HolderAsync(database) == "replica-a", TimeSpan.FromSeconds(60), "replica A to take the ledger lease");
            await using var b = await ProductProcess.StartAsync(dll, Settings("replica-b"));
            await WaitUntil.TrueAsync(async () => await HoursAsync(database) >= 12, TimeSpan.FromSeconds(120), "replica A to write a dozen hours");

            await a.KillAsync();
            var atKill = await HoursAsync(database);
            var killed = DateTimeOffset.UtcNow;
            Assert.True(atKill < 72, $"replica A had already written all {atKill} hours of the history: it was not killed mid-backfill");
            await WaitUntil.TrueAsync(async () => await HolderAsync(database) == "replica-b", TimeSpan.FromSeconds(60), "replica B to take the ledger lease over");
            output.WriteLine($"killed after {atKill} hours; replica B held the lease {(DateTimeOffset.UtcNow - killed).TotalSeconds:0.0} s later");
            await WaitUntil.TrueAsync(async () => await ThroughAsync(database) >= HistoryFixture.End, TimeSpan.FromMinutes(4), "replica B to finish the backfill");

            var options = new DbContextOptionsBuilder<CostConsoleDbContext>().UseNpgsql(database).Options;
            await using var db = new PostgreSqlCostConsoleDbContext(options);
            var from = HistoryFixture.Start.ToUnixTimeSeconds();
            var to = HistoryFixture.End.ToUnixTimeSeconds();
            var ledger = (await db.LedgerRows().Where(r => r.HourUnix >= from && r.HourUnix < to).ToListAsync()).ByTruthKey();
            var truth = fixture.History.GroundTruth.Where(t => t.Key.TokenType != Family.GatewayCost).ToDictionary(t => t.Key, t => t.Value);
            Assert.Equal(truth.Count, ledger.Count);
            foreach (var (key, tokens) in truth)
            {
                Assert.True(ledger.TryGetValue(key, out var recorded), $"missing {key}");
                Assert.Equal(tokens, recorded);
            }

            // Every hour of the history once.
            Assert.Equal(72, await db.LedgerHours.CountAsync(h => h.HourUnix >= from && h.HourUnix < to));

            // An operator's `ledger sync` on the shared database does not write beside the replica that holds the lease.
            var (code, _, error) = await ProductProcess.RunCommandAsync(dll, Settings("operator"), "ledger", "sync");
            Assert.Equal(1, code);
            Assert.Contains("replica replica-b writes the ledger now; it catches up on its own. Nothing was ingested.", error);
        }
        finally
        {
            PostgreSqlServer.Shared.DropDatabase(database);
        }
    }

    private static async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() is T value ? value : default!;
    }

    private static Task<string?> HolderAsync(string database) => ScalarAsync<string?>(database,
        $"SELECT substr(a.application_name, {LedgerLease.ApplicationPrefix.Length + 1}) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid " +
        $"WHERE l.locktype = 'advisory' AND l.granted AND l.objid::text::bigint = {LedgerLease.LockKey} LIMIT 1");

    private static async Task<long> HoursAsync(string database)
    {
        try
        {
            return await ScalarAsync<long>(database, "SELECT COUNT(*) FROM \"LedgerHours\"");
        }
        catch (PostgresException)
        {
            return 0; // not migrated yet
        }
    }

    private static async Task<DateTimeOffset> ThroughAsync(string database) =>
        DateTimeOffset.FromUnixTimeSeconds(await ScalarAsync<long>(database, "SELECT COALESCE(MAX(\"HourUnix\") + 3600, 0) FROM \"LedgerHours\""));
}
