using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// 5-minute and 1-hour cache writes and reasoning tokens through a real Prometheus and a custom profile that maps the
/// write counter, its 1-hour subset (as Bifrost exposes bifrost_cache_write_input_tokens_1h_total) and a reasoning
/// subset of output: each priced as the bill does, to the token and the cent; a model without a 1-hour price is
/// priced at its cache-write price and said so.
/// </summary>
public sealed class CacheWriteTierTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);
    private const int Hours = 2;

    // Per 10 minutes and model: input (writes included), cache writes, of which 1-hour, output, of which reasoning.
    private static readonly (string Model, long Input, long Write, long Write1h, long Output, long Reasoning)[] Series =
    [
        ("claude-sonnet-4-5", 10_000, 2_000, 500, 1_000, 400),
        ("claude-haiku-4-5", 4_000, 1_000, 300, 800, 0),
    ];

    private static string Text() => CounterFixture.Write(Start, Hours,
        from family in new (string Name, Func<(string Model, long Input, long Write, long Write1h, long Output, long Reasoning), long> Pick)[]
        {
            ("llm_input_tokens", s => s.Input), ("llm_cache_write_tokens", s => s.Write), ("llm_cache_write_1h_tokens", s => s.Write1h),
            ("llm_output_tokens", s => s.Output), ("llm_reasoning_tokens", s => s.Reasoning),
        }
        from s in Series
        select (family.Name, $"job=\"gw\",instance=\"gw-0\",model=\"{s.Model}\"", family.Pick(s)));

    [Fact]
    public async Task One_hour_writes_and_reasoning_are_priced_as_billed_and_a_missing_1h_price_is_said()
    {
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: Text());
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture),
            ["Prometheus:Profile"] = "gateway",
            ["Prometheus:Profiles:gateway:Input"] = "llm_input_tokens_total",
            ["Prometheus:Profiles:gateway:Output"] = "llm_output_tokens_total",
            ["Prometheus:Profiles:gateway:CacheWrite"] = "llm_cache_write_tokens_total",
            ["Prometheus:Profiles:gateway:CacheWrite1h"] = "llm_cache_write_1h_tokens_total",
            ["Prometheus:Profiles:gateway:Reasoning"] = "llm_reasoning_tokens_total",
            ["Prometheus:Profiles:gateway:Labels:model"] = "model",
        }, new ShiftedTimeProvider(Start.AddHours(Hours + 1)));
        var engineer = await app.SignedInAsync(Roles.Engineer);
        foreach (var body in new Dictionary<string, object?>[]
        {
            new() { ["model"] = "claude-sonnet-4-5", ["input"] = "3", ["output"] = "15", ["cacheWrite"] = "3.75", ["cacheWrite1h"] = "6" },
            new() { ["model"] = "claude-haiku-4-5", ["input"] = "1", ["output"] = "5", ["cacheWrite"] = "1.25" },
        })
        {
            body["effectiveFrom"] = "2026-11-01T00:00:00Z";
            body["confirm"] = true;
            using var created = await engineer.PostAsJsonAsync("/api/v1/prices", body);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        Assert.Equal(Hours, await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(Hours)));
        var finance = await app.SignedInAsync(Roles.Finance);
        var answer = JsonDocument.Parse(await finance.GetStringAsync($"/api/v1/spend?from={Start:yyyy-MM-ddTHH:mm:ssZ}&to={Start.AddHours(Hours):yyyy-MM-ddTHH:mm:ssZ}&groupBy=model")).RootElement;
        var rows = answer.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("model").GetString()!);
        var prices = new Dictionary<string, (decimal Input, decimal Output, decimal Write, decimal Write1h)>
        {
            ["claude-sonnet-4-5"] = (3m, 15m, 3.75m, 6m),
            ["claude-haiku-4-5"] = (1m, 5m, 1.25m, 1.25m), // no 1-hour price: the cache-write price
        };
        foreach (var (model, input, write, write1h, output, reasoning) in Series)
        {
            const int steps = Hours * 6;
            var p = prices[model];
            // Input includes the writes (the custom profile's default): plain input is input less writes.
            var cost = ((input - write) * steps * p.Input + (write - write1h) * steps * p.Write + write1h * steps * p.Write1h + output * steps * p.Output) / 1_000_000m;
            var row = rows[model];
            Assert.Equal(write * steps, row.GetProperty("cacheWriteTokens").GetInt64());
            Assert.Equal(write1h * steps, row.GetProperty("cacheWrite1hTokens").GetInt64());
            Assert.Equal(output * steps, row.GetProperty("outputTokens").GetInt64());
            Assert.Equal(reasoning * steps, row.GetProperty("reasoningTokens").GetInt64());
            Assert.Equal(decimal.Round(cost, 6), row.GetProperty("costUsd").GetDecimal());
        }

        var warnings = answer.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Contains(warnings, w => w.StartsWith("1-hour cache writes of claude-haiku-4-5 are priced at the 5-minute cache-write price", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, w => w.Contains("claude-sonnet-4-5 are priced at the 5-minute", StringComparison.Ordinal));

        // The explorer shows the subsets inside their columns: reasoning with its share of output, 1-hour writes.
        var html = await finance.GetStringAsync("/explore?range=custom&from=2026-11-12&to=2026-11-12&tz=UTC&by=model");
        var sonnet = Series[0];
        const int allSteps = Hours * 6;
        Assert.Contains($"{SpendFormat.Count(sonnet.Reasoning * allSteps)} reasoning ({SpendFormat.Share(sonnet.Reasoning, sonnet.Output)})", html);
        Assert.Contains($"{SpendFormat.Count(sonnet.Write1h * allSteps)} kept 1 h", html);
        // claude-haiku-4-5 reports no reasoning: only claude-sonnet-4-5's row and the total carry one.
        Assert.Equal(2, html.Split("data-testid=\"cell-reasoning\"").Length - 1);
    }
}
