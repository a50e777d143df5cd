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
        using var app = await LedgerAsync(new Dictionary<string, string?> { ["Ledger:RereadHours"] = "0" });
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
            (new DateTimeOffset(2026, 9, 4, 5, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 2, 0, 0, 0, TimeSpan.Zero)),
            // Inside the day being ingested (its row holds 00:00-05:00): the row less the first two hours.
            (new DateTimeOffset(2026, 11, 3, 2, 0, 0, TimeSpan.Zero), To) })
        {
            var byFeature = await AssertWindowAsync(finance, from, to, (from, to));
            Assert.Equal(Features.Length, byFeature.GetProperty("rows").GetArrayLength());
        }
    }

    /// <summary>
    /// Asks [from, to) by feature, by hour and by UTC day (hourly rows; daily rows, the day being ingested included)
    /// and checks each feature against the hour-by-hour truth of <paramref name="read"/> and the three totals alike.
    /// </summary>
    private static async Task<JsonElement> AssertWindowAsync(HttpClient finance, DateTimeOffset from, DateTimeOffset to, (DateTimeOffset From, DateTimeOffset To) read)
    {
        var window = $"from={from:yyyy-MM-ddTHH:mm:ssZ}&to={to:yyyy-MM-ddTHH:mm:ssZ}";
        var byFeature = JsonDocument.Parse(await finance.GetStringAsync($"/api/v1/spend?{window}&groupBy=feature")).RootElement;
        foreach (var row in byFeature.GetProperty("rows").EnumerateArray())
        {
            var (input, output, cost) = Truth(Array.IndexOf(Features, row.GetProperty("feature").GetString()), read.From, read.To);
            Assert.Equal(input, row.GetProperty("inputTokens").GetInt64());
            Assert.Equal(output, row.GetProperty("outputTokens").GetInt64());
            Assert.Equal(decimal.Round(cost, 6), row.GetProperty("costUsd").GetDecimal());
        }

        var byHour = JsonDocument.Parse(await finance.GetStringAsync($"/api/v1/spend?{window}&groupBy=hour")).RootElement;
        Assert.Equal(byFeature.GetProperty("totals").GetRawText(), byHour.GetProperty("totals").GetRawText());
        var byDay = JsonDocument.Parse(await finance.GetStringAsync($"/api/v1/spend?{window}&groupBy=day")).RootElement;
        Assert.Equal(byFeature.GetProperty("totals").GetRawText(), byDay.GetProperty("totals").GetRawText());
        return byFeature;
    }

    [Fact]
    public async Task Pruned_hours_keep_every_figure_exact_in_whole_days_and_refuse_a_mid_day_price_there()
    {
        // Seven days of hours kept behind the newest day (Nov 3): the hours before Oct 27 go, except Oct 15's (a price starts at 13:00).
        using var app = await LedgerAsync(new Dictionary<string, string?> { ["Ledger:RereadHours"] = "0", ["Ledger:HourlyRetentionDays"] = "7" });
        var ingestor = app.Services.GetRequiredService<LedgerIngestor>();
        Assert.Equal(0, await ingestor.SyncAsync(To));
        var cutoff = new DateTimeOffset(2026, 10, 27, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var pricedApart = new DateTimeOffset(2026, 10, 15, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var factory = app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>();
        async Task<(int Pruned, List<long> DaysWithHours, long Tokens)> StateAsync()
        {
            await using var db = await factory.CreateDbContextAsync();
            return (await db.LedgerHours.CountAsync(h => h.RowsPruned),
                await db.LedgerEntries.Where(e => e.HourUnix < cutoff).Select(e => e.HourUnix - e.HourUnix % 86400).Distinct().ToListAsync(),
                await db.LedgerDays.SumAsync(d => d.Tokens));
        }

        var pruned = await StateAsync();
        var prunedDays = (int)((cutoff - From.ToUnixTimeSeconds()) / 86400) - 1;
        Assert.Equal(prunedDays * 24, pruned.Pruned);
        Assert.Equal([pricedApart], pruned.DaysWithHours);

        var finance = await app.SignedInAsync(Roles.Finance);
        // (asked, read): windows with an edge before Oct 27 are read in whole UTC days.
        foreach (var (asked, read) in new[]
        {
            ((From, To), (From, To)),
            ((new DateTimeOffset(2026, 10, 15, 7, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero)), (new DateTimeOffset(2026, 10, 15, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero))),
            ((new DateTimeOffset(2026, 9, 4, 5, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 2, 3, 0, 0, TimeSpan.Zero)), (new DateTimeOffset(2026, 9, 4, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 3, 0, 0, 0, TimeSpan.Zero))),
            ((new DateTimeOffset(2026, 10, 28, 5, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 3, 0, 0, TimeSpan.Zero)), (new DateTimeOffset(2026, 10, 28, 5, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 3, 0, 0, TimeSpan.Zero))),
        })
        {
            // By hour and by UTC day the pruned days come whole at their midnights: the same totals.
            var byFeature = await AssertWindowAsync(finance, asked.Item1, asked.Item2, read);
            Assert.Equal(read, (byFeature.GetProperty("from").GetDateTimeOffset(), byFeature.GetProperty("to").GetDateTimeOffset()));
            var warned = byFeature.GetProperty("warnings").EnumerateArray().Any(w => w.GetString()!.Contains("kept as daily sums only", StringComparison.Ordinal));
            Assert.Equal(asked.Item1.ToUnixTimeSeconds() < cutoff, warned);
        }

        // A price starting mid-day before Oct 27 cannot be priced apart any more: refused with the reason, nothing stored.
        var engineer = await app.SignedInAsync(Roles.Engineer);
        var before = await engineer.GetStringAsync("/api/v1/prices");
        var stamp = JsonDocument.Parse(before).RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == "m1").GetProperty("stamp").GetString();
        using var refused = await engineer.PostAsJsonAsync("/api/v1/prices", new Dictionary<string, object?>
        {
            ["model"] = "m1", ["effectiveFrom"] = "2026-10-05T13:00:00Z", ["input"] = "2", ["output"] = "8", ["stamp"] = stamp, ["confirm"] = true,
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("must start at 00:00 UTC", await refused.Content.ReadAsStringAsync());
        Assert.Equal(before, await engineer.GetStringAsync("/api/v1/prices"));

        // Pruning again finds nothing more to do and changes nothing.
        Assert.Equal(0, await ingestor.SyncAsync(To));
        Assert.Equal(pruned.Pruned, (await StateAsync()).Pruned);
        Assert.Equal(pruned.Tokens, (await StateAsync()).Tokens);
    }

    /// <summary>An app whose ledger holds every hour of [From, To) for <see cref="Features"/>, priced by <see cref="Prices"/> (not yet synced).</summary>
    private static async Task<AppFactory> LedgerAsync(IDictionary<string, string?> settings)
    {
        var app = new AppFactory("http://127.0.0.1:9", settings, new ShiftedTimeProvider(To.AddHours(3)));
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
                INSERT OR IGNORE INTO LedgerSets (Model, Provider, Feature, Team, Operation, Outcome, Extra) VALUES ('m1', 'p', $f, 't', 'chat', '', '');
                INSERT INTO LedgerTokens (HourUnix, SetId, TokenType, Tokens) SELECT $h, Id, $type, $tokens FROM LedgerSets WHERE Feature = $f;
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
                INSERT INTO LedgerDays (DayUnix, SetId, TokenType, Tokens)
                SELECT HourUnix - HourUnix % 86400, SetId, TokenType, SUM(Tokens) FROM LedgerTokens
                GROUP BY HourUnix - HourUnix % 86400, SetId, TokenType
                """;
            await insert.ExecuteNonQueryAsync();
            transaction.Commit();
        }

        return app;
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
