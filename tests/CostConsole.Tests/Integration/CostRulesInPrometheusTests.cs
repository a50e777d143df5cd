using System.Globalization;
using System.Text.Json;
using CostConsole.Features.Pricing;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The exported rules loaded into a real Prometheus that scrapes live token counters and CostConsole's own
/// <c>/metrics</c>: the recorded cost rate is the token rates Prometheus computes times the prices the test set, and
/// a price edit reaches the recording rule through the gauge without touching the rules.
/// </summary>
public sealed class CostRulesInPrometheusTests
{
    private static readonly DateTimeOffset Since = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly (string Metric, IReadOnlyDictionary<string, string> Labels, double PerSecond)[] Counters =
    [
        ("gen_ai_client_token_usage_input_total", Labels("chat", "test-model-a"), 1000),
        ("gen_ai_client_token_usage_cached_input_total", Labels("chat", "test-model-a"), 400),
        ("gen_ai_client_token_usage_output_total", Labels("chat", "test-model-a"), 200),
        ("gen_ai_client_token_usage_input_total", Labels("search", "test-model-b"), 500),
        ("gen_ai_client_token_usage_output_total", Labels("search", "test-model-b"), 100),
        ("gen_ai_client_token_usage_input_total", Labels("search", "test-model-c"), 50),
        ("gen_ai_client_token_usage_output_total", Labels("search", "test-model-c"), 5),
    ];

    private static Dictionary<string, string> Labels(string feature, string model) => new() { ["feature"] = feature, ["gen_ai_request_model"] = model, ["pod"] = "p1" };

    /// <summary>USD per 1M tokens, as the test sets them: model → (input, cached, output).</summary>
    private static readonly Dictionary<string, (decimal Input, decimal Cached, decimal Output)> Prices = new()
    {
        ["test-model-a"] = (2.00m, 0.50m, 8.00m),
        ["test-model-b"] = (1.00m, 1.00m, 4.00m),
    };

    [Theory]
    [InlineData("gauge")]
    [InlineData("inline")]
    public async Task The_recording_rule_produces_token_rates_times_prices(string variant)
    {
        await using var exporter = new CounterExporter(Counters);
        var (entries, problems) = PriceCsv.Parse(PriceCsv.Header + "\n" + string.Join("\n", Prices.Select(p =>
            string.Create(CultureInfo.InvariantCulture, $"{p.Key},{Since:yyyy-MM-ddTHH:mm:ssZ},{p.Value.Input},{p.Value.Output},{p.Value.Cached},"))));
        Assert.Empty(problems);
        using var target = await ScrapedApp.StartAsync(entries, new Dictionary<string, string?> { ["Rules:DailyBudgetUsd"] = "100" });
        var app = target.App;
        var rules = await target.RulesAsync(variant);

        await using var prometheus = await PrometheusServer.StartAsync(
            ruleFiles: new Dictionary<string, string> { ["cost.yml"] = rules },
            // Two-second scrapes (the timeout equals the interval) leave room for a test process busy with other tests.
            scrapeJobs: [new ScrapeJob("tokens", exporter.Target, Interval: "2s"), target.Job],
            evaluationInterval: "1s");
        using var query = new HttpClient { BaseAddress = new Uri(prometheus.BaseUrl) };

        var (at, costs) = await WaitForAsync(query, CostRules.CostRecord, (_, found) => Task.FromResult(found.Count == 2));
        await AssertCostsAsync(query, at, costs, Prices);

        var unpriced = await QueryAsync(query, CostRules.UnpricedRecord, at);
        Assert.Equal(["test-model-c"], unpriced.Keys.Select(k => k.Model));
        var totals = await QueryAsync(query, CostRules.TotalRecord, at);
        Assert.Equal(costs.Values.Sum(), Assert.Single(totals).Value, 12);

        if (variant == "gauge")
        {
            // An engineer raises test-model-a's input price from this hour on; the rules file stays as it is.
            var editor = app.Services.GetRequiredService<PriceEditor>();
            var now = DateTimeOffset.UtcNow;
            var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
            var change = await editor.AddAsync(new PriceDraft("test-model-a", hour.ToString("O", CultureInfo.InvariantCulture), "4.00", "8.00", "0.50"), "",
                PriceEditor.StampOf(await editor.ListAsync(), "test-model-a"), confirmed: false, "engineer@example.test");
            Assert.True(change.Saved, string.Join(" ", change.Problems));
            var raised = new Dictionary<string, (decimal, decimal, decimal)>(Prices) { ["test-model-a"] = (4.00m, 0.50m, 8.00m) };

            // The next scrape of /metrics carries the new price; the next evaluation after it records the new cost.
            var (later, newCosts) = await WaitForAsync(query, CostRules.CostRecord, async (when, found) =>
                (await ExpectedAsync(query, when, raised)).All(e => found.TryGetValue(e.Key, out var v) && Math.Abs(v - e.Value) < 1e-12));
            await AssertCostsAsync(query, later, newCosts, raised);
        }
    }

    private static async Task AssertCostsAsync(HttpClient query, double at, Dictionary<(string Feature, string Model), double> costs, IReadOnlyDictionary<string, (decimal Input, decimal Cached, decimal Output)> prices)
    {
        var expected = await ExpectedAsync(query, at, prices);
        Assert.Equal(expected.Keys.Order(), costs.Keys.Order());
        foreach (var (key, value) in expected)
        {
            Assert.True(value > 0, $"{key} should have a positive token rate");
            Assert.Equal(value, costs[key], 1e-12);
        }
    }

    /// <summary>cost = input × p_in + cached × (p_cached − p_in) + output × p_out, from the token rates Prometheus recorded at the same instant.</summary>
    private static async Task<Dictionary<(string Feature, string Model), double>> ExpectedAsync(HttpClient query, double at, IReadOnlyDictionary<string, (decimal Input, decimal Cached, decimal Output)> prices)
    {
        var input = await QueryAsync(query, "costconsole:tokens_input:rate5m", at);
        var cached = await QueryAsync(query, "costconsole:tokens_cached_input:rate5m", at);
        var output = await QueryAsync(query, "costconsole:tokens_output:rate5m", at);
        return input.Keys.Where(k => prices.ContainsKey(k.Model)).ToDictionary(k => k, k =>
        {
            var (pIn, pCached, pOut) = prices[k.Model];
            return (input[k] * (double)pIn + cached.GetValueOrDefault(k) * (double)(pCached - pIn) + output.GetValueOrDefault(k) * (double)pOut) / 1e6;
        });
    }

    private static async Task<(double At, Dictionary<(string Feature, string Model), double> Values)> WaitForAsync(HttpClient query, string expr, Func<double, Dictionary<(string Feature, string Model), double>, Task<bool>> done)
    {
        var seen = await WaitUntil.ValueAsync(
            async () =>
            {
                var (at, values) = await QueryLatestAsync(query, expr);
                return (At: at, Values: values, Done: values.Count > 0 && await done(at, values));
            },
            read => read.Done,
            TimeSpan.FromSeconds(120),
            $"{expr} to reach the expected state",
            read => string.Join(", ", read.Values.Select(v => $"{v.Key}={v.Value}")));
        return (seen.At, seen.Values);
    }

    /// <summary>
    /// Reads a few seconds back: the rules of a group are written one after another, so "now" may see the cost of one
    /// evaluation beside the token rates of the next; every record at that instant comes from the same evaluation.
    /// </summary>
    private static async Task<(double At, Dictionary<(string Feature, string Model), double> Values)> QueryLatestAsync(HttpClient query, string expr)
    {
        var at = Math.Round(DateTimeOffset.UtcNow.AddSeconds(-3).ToUnixTimeMilliseconds() / 1000.0, 3);
        return (at, await QueryAsync(query, expr, at));
    }

    private static async Task<Dictionary<(string Feature, string Model), double>> QueryAsync(HttpClient query, string expr, double at) =>
        (await RawAsync(query, expr, at)).Where(r => r.At == at).ToDictionary(r => r.Key, r => r.Value);

    private static async Task<List<((string Feature, string Model) Key, double At, double Value)>> RawAsync(HttpClient query, string expr, double? at)
    {
        var url = $"/api/v1/query?query={Uri.EscapeDataString(expr)}" + (at is { } t ? $"&time={t.ToString("R", CultureInfo.InvariantCulture)}" : "");
        using var document = JsonDocument.Parse(await query.GetStringAsync(url));
        return [.. document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(r =>
        {
            var metric = r.GetProperty("metric");
            string Label(string name) => metric.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
            var value = r.GetProperty("value");
            return ((Label("feature"), Label("gen_ai_request_model")), value[0].GetDouble(), double.Parse(value[1].GetString()!, CultureInfo.InvariantCulture));
        })];
    }
}
