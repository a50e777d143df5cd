using System.Diagnostics;
using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace CostConsole.Benchmarks;

/// <summary>
/// A year of ledger written straight into a fresh database, for the page benchmark: <c>sets</c> dimension sets
/// (models × features, teams by feature) with input, cached and output tokens in every hour of the last
/// <c>hourlyDays</c> days (hourly rows) and every day of the year (daily rows), as ingestion would have left them.
/// The tokens follow a weekly rhythm and each set's own size, so the top lists and the chart have a shape.
/// </summary>
internal static class YearOfLedger
{
    private static readonly string[] Models = ["gpt-4o-2024-11-20", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-pro", "gpt-4.1"];
    private static readonly string[] Teams = ["search", "support", "growth", "platform", "risk", "data"];
    private static readonly TokenType[] TokenTypes = [TokenType.Input, TokenType.CachedInput, TokenType.Output];

    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != "--" + name).Skip(1).FirstOrDefault() ?? fallback;
        var database = Arg("database", "year.db");
        var sets = int.Parse(Arg("sets", "5000"), CultureInfo.InvariantCulture);
        var days = int.Parse(Arg("days", "365"), CultureInfo.InvariantCulture);
        var hourlyDays = int.Parse(Arg("hourly-days", "35"), CultureInfo.InvariantCulture);
        var end = DateTimeOffset.Parse(Arg("end", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:00:00Z", CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();

        // The app's own migrations make the schema.
        await using (var app = new BenchmarkApp(database))
        {
            _ = app.Services; // starting the host migrates the database
        }

        var features = (sets + Models.Length - 1) / Models.Length;
        await using var connection = new SqliteConnection(DatabaseSetup.ConnectionString(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:CostConsole"] = $"Data Source={database}" }).Build()));
        await connection.OpenAsync();
        await using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;";
            await pragmas.ExecuteNonQueryAsync();
        }

        long Tokens(int set, TokenType type, long unix, int hours)
        {
            var weekday = (int)DateTimeOffset.FromUnixTimeSeconds(unix).DayOfWeek;
            var size = 50 + (set * 7919 % 1000); // each set its own size
            var rhythm = weekday is 0 or 6 ? 0.4 : 1.0;
            var perHour = (long)(size * rhythm * (type == TokenType.Input ? 40 : type == TokenType.CachedInput ? 12 : 6));
            return perHour * hours;
        }

        async Task WriteAsync(string table, string timeColumn, long from, long to, long step)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = $"INSERT INTO {table} ({timeColumn}, SetId, TokenType, Tokens) VALUES ($t, $set, $type, $tokens)";
            var (t, setId, type, tokens) = (insert.Parameters.Add("$t", SqliteType.Integer), insert.Parameters.Add("$set", SqliteType.Integer),
                insert.Parameters.Add("$type", SqliteType.Integer), insert.Parameters.Add("$tokens", SqliteType.Integer));
            await insert.PrepareAsync();
            for (var time = from; time < to; time += step)
            {
                for (var set = 0; set < sets; set++)
                {
                    foreach (var tokenType in TokenTypes)
                    {
                        t.Value = time;
                        setId.Value = set + 1;
                        type.Value = (int)tokenType;
                        tokens.Value = Tokens(set, tokenType, time, (int)(step / 3600));
                        await insert.ExecuteNonQueryAsync();
                    }
                }
            }

            await transaction.CommitAsync();
        }

        // The dimension sets, keyed 1..sets: models × features, teams by feature.
        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync())
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO LedgerSets (Id, Model, Provider, Feature, Team, Operation, Outcome, Extra) VALUES ($id, $m, 'bench', $f, $team, 'chat', '', '')";
            var (id, m, f, team) = (insert.Parameters.Add("$id", SqliteType.Integer), insert.Parameters.Add("$m", SqliteType.Text), insert.Parameters.Add("$f", SqliteType.Text), insert.Parameters.Add("$team", SqliteType.Text));
            for (var set = 0; set < sets; set++)
            {
                id.Value = set + 1;
                m.Value = Models[set % Models.Length];
                f.Value = $"feature-{set / Models.Length:D4}";
                team.Value = Teams[set / Models.Length % Teams.Length];
                await insert.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        var endUnix = end.ToUnixTimeSeconds() / 3600 * 3600;
        var endDay = endUnix / 86400 * 86400;
        // Whole days in the daily table; the hours of the last days (and of today so far) in the hourly one.
        await WriteAsync("LedgerDays", "DayUnix", endDay - days * 86400L, endDay, 86400);
        await WriteAsync("LedgerTokens", "HourUnix", endDay - hourlyDays * 86400L, endUnix, 3600);
        await using (var today = connection.CreateCommand())
        {
            // Ingestion keeps the day being ingested summed in its daily row too (the hours so far).
            today.CommandText = "INSERT INTO LedgerDays (DayUnix, SetId, TokenType, Tokens) SELECT $day, SetId, TokenType, SUM(Tokens) FROM LedgerTokens WHERE HourUnix >= $day GROUP BY SetId, TokenType";
            today.Parameters.AddWithValue("$day", endDay);
            await today.ExecuteNonQueryAsync();
        }
        await using (var hours = connection.CreateCommand())
        {
            hours.CommandText = """
                WITH RECURSIVE h(v) AS (SELECT $from UNION ALL SELECT v + 3600 FROM h WHERE v + 3600 <= $to)
                INSERT INTO LedgerHours (HourUnix, IngestedUtc, Series, Samples, Profile, AmbiguousSeries, CorrectedTokens) SELECT v, $now, $sets, 0, 'otel-seed', 0, 0 FROM h
                """;
            // As the app stores every time: the binary form of its DateTimeOffset converter.
            hours.Parameters.AddWithValue("$now", (long)new Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter().ConvertToProvider(DateTimeOffset.UtcNow)!);
            hours.Parameters.AddWithValue("$sets", sets);
            hours.Parameters.AddWithValue("$from", endDay - days * 86400L);
            hours.Parameters.AddWithValue("$to", endUnix - 3600);
            await hours.ExecuteNonQueryAsync();
        }

        Console.WriteLine($"Synthesised {days} days x {sets:N0} dimension sets x 3 token types ({days * sets * 3L:N0} daily rows, {(endUnix - (endDay - hourlyDays * 86400L)) / 3600 * sets * 3L:N0} hourly rows of the last {hourlyDays} days) into {database} in {clock.Elapsed.TotalSeconds:0} s; {new FileInfo(database).Length / 1048576.0:N0} MB");
        return 0;
    }
}
