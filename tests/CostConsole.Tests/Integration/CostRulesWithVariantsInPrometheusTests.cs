using System.Globalization;
using System.Text.Json;
using CostConsole.Features.Pricing;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The exported rules price each served tier at its own variant entry (a multiplier of the base, or its own prices),
/// and a tier without one at the base, as the ledger does; 1-hour cache writes add their own price. A real Prometheus
/// scrapes the counters and CostConsole's gauge and evaluates the rules; the expected cost per (feature, model, tier)
/// is computed here from the raw counters' rates at the evaluation's own timestamp, grouped by the labels the test gave
/// each series (model and tier read from their first filled label).
/// </summary>
public sealed class CostRulesWithVariantsInPrometheusTests
{
    private static readonly DateTimeOffset Since = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A counter series, the token type it counts and where the test says its tokens belong.</summary>
    private sealed record Series(string Metric, Dictionary<string, string> Labels, double PerSecond, string Type, (string Feature, string Model, string Tier) Key);

    /// <summary>USD per 1M tokens: input, output, cached, cache write (5 minutes), cache write (1 hour).</summary>
    private sealed record Rates(decimal Input, decimal Output, decimal Cached, decimal Write, decimal Write1h);

    private static readonly Rates BaseA = new(2.00m, 8.00m, 0.20m, 2.50m, 4.00m);
    private static readonly Rates BatchA = new(1.00m, 4.00m, 0.10m, 1.25m, 2.00m);
    private static readonly Rates BaseB = new(1.00m, 4.00m, 1.00m, 1.00m, 1.00m);

    private static readonly PriceEntry[] Entries =
    [
        new("m-a", Since, BaseA.Input, BaseA.Output, BaseA.Cached, BaseA.Write, CacheWrite1hPerMTok: BaseA.Write1h),
        new("m-a", Since, 0m, 0m, Variant: "flex", Multiplier: 0.5m),
        new("m-a", Since, BatchA.Input, BatchA.Output, BatchA.Cached, BatchA.Write, Variant: "batch", CacheWrite1hPerMTok: BatchA.Write1h),
        new("m-b", Since, BaseB.Input, BaseB.Output),
    ];

    /// <summary>The prices the rules should apply to a key: m-a's flex half its base, its batch tier its own, every other tier the base.</summary>
    private static Rates PriceOf((string Feature, string Model, string Tier) key) => key switch
    {
        (_, "m-a", "flex") => new(BaseA.Input / 2, BaseA.Output / 2, BaseA.Cached / 2, BaseA.Write / 2, BaseA.Write1h / 2),
        (_, "m-a", "batch") => BatchA,
        (_, "m-a", _) => BaseA,
        _ => BaseB,
    };

    private static Dictionary<string, string> L(params string[] pairs) => Enumerable.Range(0, pairs.Length / 2).ToDictionary(i => pairs[2 * i], i => pairs[2 * i + 1]);

    /// <summary>otel-seed: the tier in openai_response_service_tier, or the name before semconv 1.37; the model in the request label, else the response one.</summary>
    private static readonly Series[] Otel =
    [
        new("gen_ai_client_token_usage_input_total", L("feature", "chat", "gen_ai_request_model", "m-a"), 1000, "input", ("chat", "m-a", "")),
        new("gen_ai_client_token_usage_cached_input_total", L("feature", "chat", "gen_ai_request_model", "m-a"), 300, "cached", ("chat", "m-a", "")),
        new("gen_ai_client_token_usage_output_total", L("feature", "chat", "gen_ai_request_model", "m-a"), 200, "output", ("chat", "m-a", "")),
        new("gen_ai_client_token_usage_input_total", L("feature", "chat", "gen_ai_request_model", "m-a", "openai_response_service_tier", "flex"), 800, "input", ("chat", "m-a", "flex")),
        new("gen_ai_client_token_usage_output_total", L("feature", "chat", "gen_ai_request_model", "m-a", "openai_response_service_tier", "flex"), 100, "output", ("chat", "m-a", "flex")),
        new("gen_ai_client_token_usage_input_total", L("feature", "chat", "gen_ai_response_model", "m-a", "gen_ai_openai_response_service_tier", "flex"), 400, "input", ("chat", "m-a", "flex")),
        new("gen_ai_client_token_usage_cached_input_total", L("feature", "chat", "gen_ai_response_model", "m-a", "gen_ai_openai_response_service_tier", "flex"), 100, "cached", ("chat", "m-a", "flex")),
        new("gen_ai_client_token_usage_input_total", L("feature", "chat", "gen_ai_request_model", "m-a", "openai_response_service_tier", "priority"), 300, "input", ("chat", "m-a", "priority")),
        new("gen_ai_client_token_usage_output_total", L("feature", "chat", "gen_ai_request_model", "m-a", "openai_response_service_tier", "priority"), 30, "output", ("chat", "m-a", "priority")),
        new("gen_ai_client_token_usage_input_total", L("feature", "chat", "gen_ai_request_model", "m-a", "openai_response_service_tier", "batch"), 200, "input", ("chat", "m-a", "batch")),
        new("gen_ai_client_token_usage_cached_input_total", L("feature", "chat", "gen_ai_request_model", "m-a", "openai_response_service_tier", "batch"), 50, "cached", ("chat", "m-a", "batch")),
        new("gen_ai_client_token_usage_output_total", L("feature", "chat", "gen_ai_request_model", "m-a", "openai_response_service_tier", "batch"), 20, "output", ("chat", "m-a", "batch")),
        new("gen_ai_client_token_usage_input_total", L("feature", "search", "gen_ai_request_model", "m-b", "openai_response_service_tier", "default"), 500, "input", ("search", "m-b", "default")),
        new("gen_ai_client_token_usage_output_total", L("feature", "search", "gen_ai_request_model", "m-b", "openai_response_service_tier", "default"), 50, "output", ("search", "m-b", "default")),
        // m-b has no flex entry: its flex tokens cost the base.
        new("gen_ai_client_token_usage_input_total", L("feature", "search", "gen_ai_request_model", "m-b", "openai_response_service_tier", "flex"), 100, "input", ("search", "m-b", "flex")),
    ];

    /// <summary>bifrost with the tier read from a service_tier label; its write counter holds the 1-hour writes.</summary>
    private static readonly Series[] Bifrost =
    [
        new("bifrost_input_tokens_total", L("feature", "chat", "model", "m-a"), 1000, "input", ("chat", "m-a", "")),
        new("bifrost_cache_read_input_tokens_total", L("feature", "chat", "model", "m-a"), 300, "cached", ("chat", "m-a", "")),
        new("bifrost_cache_write_input_tokens_total", L("feature", "chat", "model", "m-a"), 400, "write", ("chat", "m-a", "")),
        new("bifrost_cache_write_input_tokens_1h_total", L("feature", "chat", "model", "m-a"), 150, "write1h", ("chat", "m-a", "")),
        new("bifrost_output_tokens_total", L("feature", "chat", "model", "m-a"), 200, "output", ("chat", "m-a", "")),
        new("bifrost_input_tokens_total", L("feature", "chat", "model", "m-a", "service_tier", "flex"), 800, "input", ("chat", "m-a", "flex")),
        new("bifrost_cache_write_input_tokens_total", L("feature", "chat", "model", "m-a", "service_tier", "flex"), 100, "write", ("chat", "m-a", "flex")),
        new("bifrost_cache_write_input_tokens_1h_total", L("feature", "chat", "model", "m-a", "service_tier", "flex"), 100, "write1h", ("chat", "m-a", "flex")),
        new("bifrost_output_tokens_total", L("feature", "chat", "model", "m-a", "service_tier", "flex"), 100, "output", ("chat", "m-a", "flex")),
        new("bifrost_input_tokens_total", L("feature", "chat", "model", "m-a", "service_tier", "priority"), 300, "input", ("chat", "m-a", "priority")),
        new("bifrost_output_tokens_total", L("feature", "chat", "model", "m-a", "service_tier", "priority"), 30, "output", ("chat", "m-a", "priority")),
        new("bifrost_input_tokens_total", L("feature", "chat", "model", "m-a", "service_tier", "batch"), 200, "input", ("chat", "m-a", "batch")),
        new("bifrost_cache_read_input_tokens_total", L("feature", "chat", "model", "m-a", "service_tier", "batch"), 50, "cached", ("chat", "m-a", "batch")),
        new("bifrost_cache_write_input_tokens_total", L("feature", "chat", "model", "m-a", "service_tier", "batch"), 60, "write", ("chat", "m-a", "batch")),
        new("bifrost_cache_write_input_tokens_1h_total", L("feature", "chat", "model", "m-a", "service_tier", "batch"), 40, "write1h", ("chat", "m-a", "batch")),
        new("bifrost_output_tokens_total", L("feature", "chat", "model", "m-a", "service_tier", "batch"), 20, "output", ("chat", "m-a", "batch")),
        new("bifrost_input_tokens_total", L("feature", "search", "model", "m-b", "service_tier", "default"), 500, "input", ("search", "m-b", "default")),
        new("bifrost_cache_write_input_tokens_total", L("feature", "search", "model", "m-b", "service_tier", "default"), 80, "write", ("search", "m-b", "default")),
        new("bifrost_cache_write_input_tokens_1h_total", L("feature", "search", "model", "m-b", "service_tier", "default"), 30, "write1h", ("search", "m-b", "default")),
        new("bifrost_output_tokens_total", L("feature", "search", "model", "m-b", "service_tier", "default"), 50, "output", ("search", "m-b", "default")),
    ];

    [Theory]
    [InlineData("otel-seed", "gauge")]
    [InlineData("otel-seed", "inline")]
    [InlineData("bifrost", "gauge")]
    [InlineData("bifrost", "inline")]
    public async Task Each_tier_is_priced_at_its_variant_or_the_base(string profile, string variant)
    {
        var series = profile == "bifrost" ? Bifrost : Otel;
        var (modelLabel, tierLabel) = profile == "bifrost" ? ("model", "service_tier") : ("gen_ai_request_model", "openai_response_service_tier");
        await using var exporter = new CounterExporter([.. series.Select(s => (s.Metric, (IReadOnlyDictionary<string, string>)s.Labels, s.PerSecond))]);
        var settings = new Dictionary<string, string?> { ["Rules:DailyBudgetUsd"] = "100", ["Prometheus:Profile"] = profile };
        if (profile == "bifrost") settings["Prometheus:Labels:variant"] = "service_tier";
        using var target = await ScrapedApp.StartAsync(Entries, settings);
        var rules = await target.RulesAsync(variant);
        Assert.True((await Unit.CostRulesTests.PromtoolCheckAsync(rules)).Code == 0, rules);

        await using var prometheus = await PrometheusServer.StartAsync(
            ruleFiles: new Dictionary<string, string> { ["cost.yml"] = rules },
            scrapeJobs: [new ScrapeJob("tokens", exporter.Target, Interval: "2s"), target.Job],
            evaluationInterval: "1s");
        using var query = new HttpClient { BaseAddress = new Uri(prometheus.BaseUrl) };
        var keys = series.Select(s => s.Key).Distinct().Order().ToList();

        // An evaluation whose costs equal those computed from the raw counters at its timestamp (a scrape that lands
        // between the evaluation and the check shifts the raw rates: then the next evaluation is compared).
        var (recorded, expected) = await WaitUntil.ValueAsync(
            async () =>
            {
                var stamps = await VectorAsync(query, $"timestamp({CostRules.CostRecord})", null, modelLabel, tierLabel);
                if (stamps.Count != keys.Count) return (stamps, new Dictionary<(string, string, string), double>());
                var at = stamps.Values.Min();
                return (await VectorAsync(query, CostRules.CostRecord, at, modelLabel, tierLabel), await ExpectedAsync(query, series, at));
            },
            read => read.Item1.Count == keys.Count && Matches(read.Item1, read.Item2),
            TimeSpan.FromSeconds(120),
            "the recorded cost per feature, model and tier to equal the raw counters' rates times their prices",
            read => $"recorded {Describe(read.Item1)}; expected {Describe(read.Item2)}");

        Assert.Equal(keys, recorded.Keys.Order());
        Assert.All(expected, e => Assert.True(e.Value > 0, $"{e.Key} should cost something"));
        Assert.Empty(await VectorAsync(query, CostRules.UnpricedRecord, null, modelLabel, tierLabel));
    }

    private static bool Matches(Dictionary<(string, string, string), double> recorded, Dictionary<(string, string, string), double> expected) =>
        expected.Count == recorded.Count && expected.All(e => recorded.TryGetValue(e.Key, out var v) && Math.Abs(v - e.Value) <= 1e-9 * Math.Abs(e.Value));

    private static string Describe(Dictionary<(string, string, string), double> values) => string.Join(", ", values.OrderBy(v => v.Key).Select(v => $"{v.Key}={v.Value}"));

    /// <summary>
    /// Σ over the series of a key: rate × price, where (as both profiles count them) cached and written tokens are part
    /// of input and add their price's difference to it, and 1-hour writes (part of the writes) their difference to the write price.
    /// </summary>
    private static async Task<Dictionary<(string, string, string), double>> ExpectedAsync(HttpClient query, IReadOnlyList<Series> series, double at)
    {
        Dictionary<(string, string, string), double> cost = [];
        foreach (var metric in series.GroupBy(s => s.Metric))
        {
            var rates = await RatesAsync(query, metric.Key, at);
            foreach (var s in metric)
            {
                var rate = rates.Single(r => r.Labels.Count == s.Labels.Count && s.Labels.All(l => r.Labels.GetValueOrDefault(l.Key) == l.Value)).Rate;
                var p = PriceOf(s.Key);
                var perMillion = s.Type switch
                {
                    "input" => p.Input,
                    "cached" => p.Cached - p.Input,
                    "write" => p.Write - p.Input,
                    "write1h" => p.Write1h - p.Write,
                    "output" => p.Output,
                    _ => throw new ArgumentOutOfRangeException(nameof(series)),
                };
                cost[s.Key] = cost.GetValueOrDefault(s.Key) + rate * (double)perMillion / 1e6;
            }
        }

        return cost;
    }

    private static async Task<List<(Dictionary<string, string> Labels, double Rate)>> RatesAsync(HttpClient query, string metric, double at)
    {
        using var document = JsonDocument.Parse(await query.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString($"rate({metric}[5m])")}&time={Time(at)}"));
        return [.. document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => (
            r.GetProperty("metric").EnumerateObject().Where(p => p.Name is not ("job" or "instance")).ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
            double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    /// <summary>An instant vector by (feature, model, tier), at <paramref name="at"/> or now.</summary>
    private static async Task<Dictionary<(string, string, string), double>> VectorAsync(HttpClient query, string expr, double? at, string modelLabel, string tierLabel)
    {
        using var document = JsonDocument.Parse(await query.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(expr)}" + (at is { } t ? $"&time={Time(t)}" : "")));
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().ToDictionary(r =>
        {
            var metric = r.GetProperty("metric");
            string Label(string name) => metric.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
            return (Label("feature"), Label(modelLabel), Label(tierLabel));
        }, r => double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
    }

    private static string Time(double at) => at.ToString("R", CultureInfo.InvariantCulture);
}
