using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Features.Spend;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The explorer's data against the generated history's ground truth: requests, cached savings, local days, the
/// volume/price split across a real price change, one computation for many viewers, and the exports.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class SpendExplorerTests(HistoryFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeOffset Change = HistoryFixture.Start.AddHours(48);
    private AppFactory _app = null!;

    private IReadOnlyDictionary<TruthKey, long> Truth => fixture.History.GroundTruth;

    public async Task InitializeAsync()
    {
        _app = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "24",
        });
        // The starter prices, plus a gpt-4o price cut at the start of the last day.
        var (entries, problems) = PriceCsv.Parse($"""
            {PriceCsv.Header}
            gpt-4o-2024-11-20,{Change:yyyy-MM-ddTHH:mm:ssZ},2.00,8.00,1.00,
            """);
        Assert.Empty(problems);
        Assert.Empty(await _app.Services.GetRequiredService<PriceStore>().ImportAsync(entries, "test"));
        await fixture.Ledger.CopyIntoAsync(_app);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private Task<SpendResult> Spend(SpendRequest request) => _app.Services.GetRequiredService<SpendViewCache>().GetAsync(request);

    [Fact]
    public async Task Requests_and_cached_savings_per_feature_equal_the_ground_truth()
    {
        var result = await Spend(new SpendRequest(HistoryFixture.Start, HistoryFixture.End, ["feature", "model"]));

        // Starter prices: gpt-4o input 2.50, cached 1.25 until the change, then 2.00 / 1.00; other models have no
        // separate cached price, so their cached tokens save nothing.
        foreach (var row in result.Rows)
        {
            var (feature, model) = (row.Keys[0], row.Keys[1]);
            var truth = Truth.Where(t => t.Key.Feature == feature && t.Key.Model == model).ToList();
            Assert.Equal(truth.Where(t => t.Key.TokenType == Family.Requests).Sum(t => t.Value), row.Figures.Requests);
            var expectedSavings = model == "gpt-4o-2024-11-20"
                ? truth.Where(t => t.Key.TokenType == Family.CachedInputTokens).Sum(t => t.Value * (t.Key.Hour < Change ? 1.25m : 1.00m)) / 1_000_000m
                : 0m;
            Assert.Equal(decimal.Round(expectedSavings, 6), decimal.Round(row.Figures.CachedSavingsUsd, 6));
        }

        Assert.Equal(Truth.Where(t => t.Key.TokenType == Family.Requests).Sum(t => t.Value), result.Totals.Requests);
        Assert.True(result.Totals.CachedSavingsUsd > 0);
    }

    [Fact]
    public async Task Days_in_another_time_zone_sum_the_hours_of_the_local_day()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        var result = await Spend(new SpendRequest(HistoryFixture.Start, HistoryFixture.End, ["day"]) { TimeZone = berlin });

        var expected = Truth.Where(t => t.Key.TokenType == Family.InputTokens)
            .GroupBy(t => TimeZoneInfo.ConvertTime(t.Key.Hour, berlin).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        Assert.Equal(expected.Count, result.Rows.Count);
        Assert.All(result.Rows, row => Assert.Equal(expected[row.Keys[0]], row.Figures.InputTokens));
        // Berlin is an hour ahead: the first UTC day's last hour belongs to the next local day.
        Assert.Equal(4, result.Rows.Count);
    }

    [Fact]
    public async Task Requests_split_by_outcome_and_a_filter_on_outcome_keeps_only_those_requests()
    {
        var byOutcome = await Spend(new SpendRequest(HistoryFixture.Start, HistoryFixture.End, ["outcome"]));
        var errors = await Spend(new SpendRequest(HistoryFixture.Start, HistoryFixture.End, []).WithFilter(SpendDimension.Outcome, ["error"]));

        var total = Truth.Where(t => t.Key.TokenType == Family.Requests).Sum(t => t.Value);
        Assert.Equal(total, byOutcome.Rows.Sum(r => r.Figures.Requests));
        var errorRow = byOutcome.Rows.Single(r => r.Keys[0] == "error");
        Assert.True(errorRow.Figures.Requests > 0 && errorRow.Figures.Requests < total / 10, "about 2% of requests fail");
        Assert.Equal(errorRow.Figures.Requests, errors.Totals.Requests);
        // Tokens carry no outcome label in this profile: they sit under the empty value, never under an outcome.
        Assert.Equal(0, errors.Totals.InputTokens);
        Assert.Equal(Truth.Where(t => t.Key.TokenType == Family.InputTokens).Sum(t => t.Value), byOutcome.Rows.Single(r => r.Keys[0] == "").Figures.InputTokens);
    }

    [Fact]
    public async Task The_change_across_a_price_cut_splits_into_volume_at_old_prices_and_the_price_effect()
    {
        var before = new Period(HistoryFixture.Start.AddHours(24), Change, "day 2");
        var after = new Period(Change, HistoryFixture.End, "day 3");

        var explanation = await _app.Services.GetRequiredService<PeriodComparison>().CompareAsync(before, after, SpendDimension.Model, new SpendRequest(after.From, after.To, []));

        // gpt-4o from the ground truth: starter prices 2.50/10.00/1.25 before the cut, 2.00/8.00/1.00 after.
        decimal Cost(DateTimeOffset from, DateTimeOffset to, decimal input, decimal output, decimal cached)
        {
            long Tokens(Family f) => Truth.Where(t => t.Key.Model == "gpt-4o-2024-11-20" && t.Key.TokenType == f && t.Key.Hour >= from && t.Key.Hour < to).Sum(t => t.Value);
            var c = Tokens(Family.CachedInputTokens);
            return ((Tokens(Family.InputTokens) - c) * input + c * cached + Tokens(Family.OutputTokens) * output) / 1_000_000m;
        }

        var earlier = Cost(before.From, before.To, 2.50m, 10.00m, 1.25m);
        var later = Cost(after.From, after.To, 2.00m, 8.00m, 1.00m);
        var laterAtOld = Cost(after.From, after.To, 2.50m, 10.00m, 1.25m);
        var row = explanation.Rows.Single(r => r.Keys[0] == "gpt-4o-2024-11-20");
        Assert.Equal(decimal.Round(earlier, 6), decimal.Round(row.Before, 6));
        Assert.Equal(decimal.Round(later, 6), decimal.Round(row.After, 6));
        Assert.Equal(decimal.Round(laterAtOld - earlier, 6), decimal.Round(row.VolumeEffect, 6));
        Assert.Equal(decimal.Round(later - laterAtOld, 6), decimal.Round(row.PriceEffect, 6));
        Assert.True(row.PriceEffect < 0, "a price cut lowers the later cost");
        Assert.Equal(explanation.Total.Change, explanation.Total.VolumeEffect + explanation.Total.PriceEffect);
        Assert.Equal(0m, explanation.Rows.Single(r => r.Keys[0] == "gpt-4o-mini").PriceEffect);
    }

    [Fact]
    public async Task Fifty_concurrent_requests_for_one_view_are_computed_once_and_a_ledger_write_starts_afresh()
    {
        var query = _app.Services.GetRequiredService<SpendQuery>();
        var clients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _app.SignedInAsync(Roles.Finance)));
        const string View = "/api/v1/spend?from=2026-11-17T00:00:00Z&to=2026-11-19T00:00:00Z&groupBy=team,model&feature=log-triage&feature=sql-assistant";
        var runsBefore = query.Runs;

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => clients[i % clients.Length].GetStringAsync(View)));

        Assert.Equal(1, query.Runs - runsBefore);
        Assert.Single(answers.Distinct());

        // Ingesting an hour changes what the view is computed from: the next request computes again, once.
        await _app.Services.GetRequiredService<LedgerIngestor>().IngestChunkAsync(HistoryFixture.Start, HistoryFixture.Start.AddHours(1));
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => clients[i % clients.Length].GetStringAsync(View)));
        Assert.Equal(2, query.Runs - runsBefore);
    }

    [Fact]
    public async Task The_chargeback_and_focus_files_add_up_to_the_spend_api()
    {
        var client = await _app.SignedInAsync(Roles.Finance);
        var api = await client.GetFromJsonAsync<JsonElement>("/api/v1/spend?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&groupBy=team");
        var byTeam = api.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("team").GetString()!, r => r.GetProperty("costUsd").GetDecimal());

        var chargeback = await client.GetAsync("/api/v1/exports/chargeback?month=2026-11");
        Assert.Equal("chargeback-2026-11.csv", chargeback.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = (await chargeback.Content.ReadAsStringAsync()).Trim().Split('\n');
        Assert.Equal("team,model,feature,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,requests,unpriced_tokens,cost_usd,cache_write_1h_tokens,reasoning_tokens", lines[0]);
        var csvByTeam = lines.Skip(1).Select(l => l.Split(',')).GroupBy(c => c[0]).ToDictionary(g => g.Key, g => g.Sum(c => decimal.Parse(c[9], CultureInfo.InvariantCulture)));
        Assert.Equal(byTeam.Keys.Order(), csvByTeam.Keys.Order());
        Assert.All(byTeam, t => Assert.Equal(decimal.Round(t.Value, 4), decimal.Round(csvByTeam[t.Key], 4)));

        var oneTeam = (await client.GetStringAsync("/api/v1/exports/chargeback?month=2026-11&team=growth")).Trim().Split('\n');
        Assert.All(oneTeam.Skip(1), l => Assert.StartsWith("growth,", l));

        var focus = (await client.GetStringAsync($"/api/v1/exports/focus?from={HistoryFixture.Start:yyyy-MM-ddTHH:mm:ssZ}&to={HistoryFixture.End:yyyy-MM-ddTHH:mm:ssZ}")).Trim().Split('\n');
        var header = focus[0].Split(',');
        foreach (var column in new[] { "BilledCost", "EffectiveCost", "ListCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ServiceName", "ProviderName", "PricingQuantity", "PricingUnit", "Tags" })
        {
            Assert.Contains(column, header);
        }

        var total = api.GetProperty("totals").GetProperty("costUsd").GetDecimal();
        Assert.Equal(decimal.Round(total, 4), decimal.Round(focus.Skip(1).Sum(l => decimal.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)), 4));
        Assert.All(focus.Skip(1), l => Assert.Contains(",USD,", l));
        Assert.Contains(focus.Skip(1), l => l.Contains("\"{\"\"feature\"\":\"\"log-triage\"\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/v1/exports/chargeback?month=2026-13", "is not a month such as 2026-11")]
    [InlineData("/api/v1/exports/chargeback?month=yesterday", "is not a month such as 2026-11")]
    [InlineData("/api/v1/exports/chargeback?month=2026-11&team=%07bell", "control characters")]
    [InlineData("/api/v1/exports/focus?from=2026-11-20T00:00:00Z&to=2026-11-19T00:00:00Z", "must be after 'from'")]
    [InlineData("/api/v1/exports/focus?from=2026-11-20T00:00:00Z", "'to' is required")]
    [InlineData("/api/v1/spend?from=2026-11-17T00:00:00Z&to=2026-11-18T00:00:00Z&tz=Mars/Base", "not a known IANA time zone")]
    public async Task Bad_export_requests_are_refused_with_the_reason(string url, string expected)
    {
        var client = await _app.SignedInAsync(Roles.Finance);

        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_explorer_says_when_a_filter_matches_nothing_and_when_a_range_is_before_the_ledger()
    {
        var client = await _app.SignedInAsync(Roles.Finance);

        var nothing = await client.GetStringAsync("/explore?range=custom&from=2026-11-17&to=2026-11-19&tz=UTC&by=model&feature=no-such-feature");
        var before = await client.GetStringAsync("/explore?range=custom&from=2026-10-01&to=2026-10-05&tz=UTC&by=model");
        var badRange = await client.GetStringAsync("/explore?range=custom&from=2026-11-10&to=2026-11-01&tz=UTC");

        Assert.Contains("No spend matches feature = no-such-feature in this range.", WebUtility.HtmlDecode(nothing));
        Assert.Contains("ends before the ledger&#x27;s first hour".Replace("&#x27;", "'"), WebUtility.HtmlDecode(before));
        Assert.DoesNotContain("$0.00", WebUtility.HtmlDecode(before));
        Assert.Contains("is before the start date", WebUtility.HtmlDecode(badRange));
    }
}
