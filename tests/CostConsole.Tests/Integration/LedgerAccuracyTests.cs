using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Metrics;
using CostConsole.Features.Pricing;
using CostConsole.Features.Spend;
using CostConsole.Prometheus;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The ledger against the generator's ground truth, on three days of history with restarts, replaced pods, new
/// series, the long tail and a spike: exact to the token, and costs exact to the cent with a price change inside the
/// window. Also reports what summed increase() says about the same data. Runs on each database provider.
/// </summary>
public abstract class LedgerAccuracyTests(HistoryFixture fixture, ITestOutputHelper output, DatabaseProvider database)
{
    [Collection(PrometheusCollection.Name)]
    public sealed class OnSqlite(HistoryFixture fixture, ITestOutputHelper output) : LedgerAccuracyTests(fixture, output, DatabaseProvider.Sqlite);

    [Collection(PrometheusCollection.Name)]
    public sealed class OnPostgreSql(HistoryFixture fixture, ITestOutputHelper output) : LedgerAccuracyTests(fixture, output, DatabaseProvider.PostgreSql);

    private AppFactory App() => new(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
    {
        ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
        ["Ledger:ChunkHours"] = "24",
    }, database: database);

    [Fact]
    public async Task Ledger_equals_ground_truth_for_every_hour_model_feature_team_and_type()
    {
        using var app = App();
        var ingestor = app.Services.GetRequiredService<LedgerIngestor>();

        var hours = await ingestor.SyncAsync(HistoryFixture.End);

        Assert.Equal(72, hours);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        // Requests are split by outcome in the ledger; the ground truth counts them per hour, model, feature and team.
        var ledger = (await db.LedgerRows().ToListAsync()).ByTruthKey();
        var truth = fixture.History.GroundTruth;
        Assert.Equal(truth.Count, ledger.Count);
        foreach (var (key, tokens) in truth)
        {
            Assert.True(ledger.TryGetValue(key, out var recorded), $"missing {key}");
            Assert.Equal(tokens, recorded);
        }

        Assert.Equal(72, await db.LedgerHours.CountAsync());
        Assert.Equal(HistoryFixture.End, await ingestor.ThroughAsync());
        await ReportIncreaseAsync(truth);
    }

    [Fact]
    public async Task Re_ingesting_hours_replaces_them_and_changes_nothing()
    {
        using var app = App();
        var ingestor = app.Services.GetRequiredService<LedgerIngestor>();
        await ingestor.SyncAsync(HistoryFixture.Start.AddHours(12));
        var factory = app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>();
        async Task<List<(long, string, string, TokenType, long)>> SnapshotAsync()
        {
            await using var db = await factory.CreateDbContextAsync();
            return [.. (await db.LedgerRows().ToListAsync()).Select(e => (e.HourUnix, e.Model, e.Feature, e.TokenType, e.Tokens)).Order()];
        }

        var before = await SnapshotAsync();
        await ingestor.IngestChunkAsync(HistoryFixture.Start.AddHours(3), HistoryFixture.Start.AddHours(7));
        var after = await SnapshotAsync();

        Assert.NotEmpty(before);
        Assert.Equal(before, after);
        Assert.Equal(0, await ingestor.SyncAsync(HistoryFixture.Start.AddHours(12)));
    }

    [Fact]
    public async Task Spend_costs_equal_ground_truth_times_prices_to_the_cent_across_a_price_change()
    {
        using var app = App();
        var change = HistoryFixture.Start.AddHours(30);
        var (entries, problems) = PriceCsv.Parse($"""
            {PriceCsv.Header}
            gpt-4o-2024-11-20,{change:yyyy-MM-ddTHH:mm:ssZ},2.00,8.00,1.00,
            re:claude-.*,2020-01-01T00:00:00Z,3.00,15.00,0.30,3.75
            """);
        Assert.Empty(problems);
        Assert.Empty(await app.Services.GetRequiredService<PriceStore>().ImportAsync(entries, "test"));
        await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End);

        var result = await app.Services.GetRequiredService<SpendQuery>().RunAsync(
            new SpendRequest(HistoryFixture.Start, HistoryFixture.End, ["feature", "model"]));

        // Expected from the ground truth with the prices written out: starter gpt-4o (2.50/10.00/1.25) until the
        // change, then 2.00/8.00/1.00; gpt-4o-mini 0.15/0.60 (cached not billed separately); claude-* by pattern.
        (decimal Input, decimal Output, decimal Cached)? PriceOf(string model, DateTimeOffset hour) => model switch
        {
            "gpt-4o-2024-11-20" => hour < change ? (2.50m, 10.00m, 1.25m) : (2.00m, 8.00m, 1.00m),
            "gpt-4o-mini" => (0.15m, 0.60m, 0.15m),
            _ when model.StartsWith("claude-", StringComparison.Ordinal) => (3.00m, 15.00m, 0.30m),
            _ => null,
        };
        var truth = fixture.History.GroundTruth;
        var expectedCost = new Dictionary<(string Feature, string Model), decimal>();
        var expectedUnpriced = new Dictionary<(string Feature, string Model), long>();
        foreach (var group in truth.GroupBy(t => (t.Key.Hour, t.Key.Feature, t.Key.Model)))
        {
            long Tokens(Family f) => group.Where(t => t.Key.TokenType == f).Sum(t => t.Value);
            var key = (group.Key.Feature, group.Key.Model);
            if (PriceOf(group.Key.Model, group.Key.Hour) is { } p)
            {
                var cached = Tokens(Family.CachedInputTokens);
                var cost = ((Tokens(Family.InputTokens) - cached) * p.Input + cached * p.Cached + Tokens(Family.OutputTokens) * p.Output) / 1_000_000m;
                expectedCost[key] = expectedCost.GetValueOrDefault(key) + cost;
            }
            else
            {
                expectedUnpriced[key] = expectedUnpriced.GetValueOrDefault(key) + Tokens(Family.InputTokens) + Tokens(Family.OutputTokens);
            }
        }

        Assert.Contains(truth.Keys, k => k.Model == "gpt-4o-2024-11-20" && k.TokenType == Family.CachedInputTokens && k.Hour >= change);
        foreach (var row in result.Rows)
        {
            var key = (row.Keys[0], row.Keys[1]);
            Assert.Equal(decimal.Round(expectedCost.GetValueOrDefault(key), 2), decimal.Round(row.Figures.CostUsd, 2));
            Assert.Equal(expectedUnpriced.GetValueOrDefault(key), row.Figures.UnpricedTokens);
        }

        Assert.Equal(decimal.Round(expectedCost.Values.Sum(), 2), decimal.Round(result.Totals.CostUsd, 2));
        Assert.Equal(expectedUnpriced.Values.Sum(), result.Totals.UnpricedTokens);
        Assert.True(result.Totals.UnpricedTokens > 0, "gemini and the embedding model have no price: their tokens must show as unpriced");
        Assert.Contains(result.Warnings, w => w.Contains("no price in force") && w.Contains("gemini-1.5-flash"));
        output.WriteLine($"Spend {result.Totals.CostUsd:N2} USD, {result.Totals.UnpricedTokens:N0} unpriced tokens over {result.Rows.Count} feature × model rows");
    }

    /// <summary>What summed increase() says about the same data, next to the ground truth (reported, not asserted).</summary>
    private async Task ReportIncreaseAsync(IReadOnlyDictionary<TruthKey, long> truth)
    {
        var client = Prom.Client(fixture.Prometheus.BaseUrl);
        var window = PromQl.Duration(HistoryFixture.End - HistoryFixture.Start);
        var answer = await client.QueryAsync($"sum by (feature) (increase(gen_ai_client_token_usage_input_total[{window}]))", HistoryFixture.End);
        var byFeature = answer.Data.Series.ToDictionary(s => s.Label("feature")!, s => s.Samples[0].Value);
        var exact = truth.Where(t => t.Key.TokenType == Family.InputTokens).GroupBy(t => t.Key.Feature).ToDictionary(g => g.Key, g => (double)g.Sum(t => t.Value));
        var total = exact.Values.Sum();
        var increaseTotal = byFeature.Values.Sum();
        var worst = exact.Select(e => (Feature: e.Key, Error: (byFeature.GetValueOrDefault(e.Key) - e.Value) / e.Value)).OrderBy(e => -Math.Abs(e.Error)).First();
        output.WriteLine($"Input tokens: ground truth {total:N0}, ledger identical; summed increase() {increaseTotal:N0} ({(increaseTotal - total) / total:P2}); worst feature {worst.Feature} {worst.Error:P2}");
    }
}
