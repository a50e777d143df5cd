using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Views not grouped by time read whole months from their rollup, whole days from daily rows and the edges from
/// hours, priced per span between price changes. Against a ledger written here (so its truth is known hour by hour)
/// with prices that change at midnight, at 13:00 and at a month's start: every figure equals the hour-by-hour sum.
/// </summary>
public sealed class LedgerRollupTests
{
    private static readonly DateTimeOffset From = new(2026, 8, 28, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2026, 11, 3, 5, 0, 0, TimeSpan.Zero);
    private static readonly string[] Features = ["search", "chat", "=cmd|' /C calc'!A0"];

    // (effective from, input $/MTok, output $/MTok)
    private static readonly (DateTimeOffset From, decimal Input, decimal Output)[] Prices =
    [
        (new(2026, 8, 1, 0, 0, 0, TimeSpan.Zero), 1m, 4m),
        (new(2026, 10, 15, 13, 0, 0, TimeSpan.Zero), 2m, 8m),
        (new(2026, 10, 20, 0, 0, 0, TimeSpan.Zero), 0.5m, 3m),
        (new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), 3m, 9m),
    ];

    private static long Tokens(int feature, long hour, TokenType type) => (feature + 1) * 1000 + hour / 3600 % 97 * (type == TokenType.Input ? 13 : 5);

    [Fact]
    public async Task Months_days_and_hours_priced_per_span_give_the_hour_by_hour_truth()
    {
        using var app = new AppFactory("http://127.0.0.1:9", new Dictionary<string, string?> { ["Ledger:RereadHours"] = "0" }, new ShiftedTimeProvider(To.AddHours(3)));
        var engineer = await app.SignedInAsync(Roles.Engineer);
        foreach (var (from, input, output) in Prices)
        {
            // Each edit carries the model's current stamp (optimistic concurrency) and confirms the large changes.
            var stamp = (await engineer.GetFromJsonAsync<JsonElement>("/api/v1/prices")).GetProperty("models").EnumerateArray()
                .Where(m => m.GetProperty("model").GetString() == "m1").Select(m => m.GetProperty("stamp").GetString()).FirstOrDefault();
            var body = new Dictionary<string, object?>
            {
                ["model"] = "m1", ["effectiveFrom"] = from.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["input"] = input.ToString(CultureInfo.InvariantCulture), ["output"] = output.ToString(CultureInfo.InvariantCulture), ["confirm"] = true,
            };
            if (stamp is not null) body["stamp"] = stamp;
            using var created = await engineer.PostAsJsonAsync("/api/v1/prices", body);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // The ledger as ingestion leaves it: hourly rows, their daily sums, the hours marked ingested.
        await using (var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var transaction = connection.BeginTransaction();
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO LedgerTokens (HourUnix, Model, Provider, Feature, Team, Operation, Outcome, Extra, TokenType, Tokens) VALUES ($h, 'm1', 'p', $f, 't', 'chat', '', '', $type, $tokens);
                INSERT INTO LedgerHours (HourUnix, IngestedUtc, Series, Samples, Profile, AmbiguousSeries, CorrectedTokens) SELECT $h, '2026-11-03T00:00:00+00:00', 1, 1, 'otel-seed', 0, 0 WHERE NOT EXISTS (SELECT 1 FROM LedgerHours WHERE HourUnix = $h);
                """;
            for (var hour = From; hour < To; hour = hour.AddHours(1))
            {
                for (var f = 0; f < Features.Length; f++)
                {
                    foreach (var type in (TokenType[])[TokenType.Input, TokenType.Output])
                    {
                        insert.Parameters.Clear();
                        insert.Parameters.AddWithValue("$h", hour.ToUnixTimeSeconds());
                        insert.Parameters.AddWithValue("$f", Features[f]);
                        insert.Parameters.AddWithValue("$type", (int)type);
                        insert.Parameters.AddWithValue("$tokens", Tokens(f, hour.ToUnixTimeSeconds(), type));
                        await insert.ExecuteNonQueryAsync();
                    }
                }
            }

            insert.Parameters.Clear();
            insert.CommandText = """
                INSERT INTO LedgerDays (DayUnix, Model, Provider, Feature, Team, Operation, Outcome, Extra, TokenType, Tokens)
                SELECT HourUnix - HourUnix % 86400, Model, Provider, Feature, Team, Operation, Outcome, Extra, TokenType, SUM(Tokens) FROM LedgerTokens
                GROUP BY HourUnix - HourUnix % 86400, Model, Provider, Feature, Team, Operation, Outcome, Extra, TokenType
                """;
            await insert.ExecuteNonQueryAsync();
            transaction.Commit();
        }

        // A sync with nothing left to read rolls the months up: August from the 28th, September and October whole, November's two whole days.
        Assert.Equal(0, await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(To));
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync())
        {
            var rollups = await db.LedgerRollups.OrderBy(r => r.MonthUnix).Select(r => new { r.MonthUnix, r.ThroughDayUnix }).ToListAsync();
            Assert.Equal(
                [(new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero)),
                 (new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero)),
                 (new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)),
                 (new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero))],
                rollups.Select(r => (DateTimeOffset.FromUnixTimeSeconds(r.MonthUnix), DateTimeOffset.FromUnixTimeSeconds(r.ThroughDayUnix))));
        }

        var finance = await app.SignedInAsync(Roles.Finance);
        foreach (var (from, to) in new[] { (From, To), (new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), To), (new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)), (new DateTimeOffset(2026, 10, 15, 7, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero)),
            // Most of September: its rollup less the first four days; then a day of October from its daily rows.
            (new DateTimeOffset(2026, 9, 4, 5, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 2, 0, 0, 0, TimeSpan.Zero)) })
        {
            var window = $"from={from:yyyy-MM-ddTHH:mm:ssZ}&to={to:yyyy-MM-ddTHH:mm:ssZ}";
            var byFeature = JsonDocument.Parse(await finance.GetStringAsync($"/api/v1/spend?{window}&groupBy=feature")).RootElement;
            foreach (var row in byFeature.GetProperty("rows").EnumerateArray())
            {
                var f = Array.IndexOf(Features, row.GetProperty("feature").GetString());
                var (input, output, cost) = Truth(f, from, to);
                Assert.Equal(input, row.GetProperty("inputTokens").GetInt64());
                Assert.Equal(output, row.GetProperty("outputTokens").GetInt64());
                Assert.Equal(decimal.Round(cost, 6), row.GetProperty("costUsd").GetDecimal());
            }

            var byHour = JsonDocument.Parse(await finance.GetStringAsync($"/api/v1/spend?{window}&groupBy=hour")).RootElement;
            Assert.Equal(byHour.GetProperty("totals").GetRawText(), byFeature.GetProperty("totals").GetRawText());
            Assert.Equal(Features.Length, byFeature.GetProperty("rows").GetArrayLength());
        }
    }

    /// <summary>Tokens and cost of one feature over a window, hour by hour at the price in force in each hour.</summary>
    private static (long Input, long Output, decimal Cost) Truth(int feature, DateTimeOffset from, DateTimeOffset to)
    {
        long input = 0, output = 0;
        var cost = 0m;
        for (var hour = from; hour < to; hour = hour.AddHours(1))
        {
            var price = Prices.Last(p => p.From <= hour);
            var (i, o) = (Tokens(feature, hour.ToUnixTimeSeconds(), TokenType.Input), Tokens(feature, hour.ToUnixTimeSeconds(), TokenType.Output));
            input += i;
            output += o;
            cost += (i * price.Input + o * price.Output) / 1_000_000m;
        }

        return (input, output, cost);
    }
}
