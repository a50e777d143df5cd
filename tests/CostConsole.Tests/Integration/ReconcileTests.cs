using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Bifrost's own cost counter against CostConsole's cost, with two differences planted: a model CostConsole has no
/// price for, and a price 10% under the gateway's. Only those rows are flagged, each with its cause.
/// </summary>
public sealed class ReconcileTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Start.AddHours(30);

    [Fact]
    public async Task Planted_differences_are_flagged_with_their_cause_and_everything_else_reconciles()
    {
        await using var prometheus = await PrometheusServer.StartAsync(new WorkloadSettings
        {
            Seed = 21, Start = Start, FeatureCount = 12, PodsPerTeam = 1, MinPodLifetimeHours = 4, MaxPodLifetimeHours = 12, RequestsPerMinute = 30, Shape = MetricShape.Bifrost,
        }, End);
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Prometheus:Profile"] = "bifrost",
            ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture),
        });
        // The gateway's list prices, except gemini-1.5-flash (no price here) and gpt-4o-mini (10% under the gateway's).
        var lines = WorkloadSettings.ListPrices
            .Where(p => p.Key != "gemini-1.5-flash")
            .Select(p => p.Key == "gpt-4o-mini"
                ? (p.Key, Input: p.Value.Input * 0.9m, Output: p.Value.Output * 0.9m, Read: p.Value.CacheRead * 0.9m, Write: p.Value.CacheWrite * 0.9m)
                : (p.Key, p.Value.Input, p.Value.Output, Read: p.Value.CacheRead, Write: p.Value.CacheWrite))
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key},2025-01-01T00:00:00Z,{p.Input},{p.Output},{p.Read},{p.Write}"));
        var (entries, problems) = PriceCsv.Parse(PriceCsv.Header + "\n" + string.Join("\n", lines));
        Assert.Empty(problems);
        Assert.Empty(await app.Services.GetRequiredService<PriceStore>().ImportAsync(entries, "test"));
        await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(End);

        var client = await app.SignedInAsync(Roles.Finance);
        var answer = await client.GetFromJsonAsync<JsonElement>($"/api/v1/reconcile/gateway?from={Start:yyyy-MM-ddTHH:mm:ssZ}&to={End:yyyy-MM-ddTHH:mm:ssZ}");

        Assert.True(answer.GetProperty("available").GetBoolean());
        Assert.Equal("bifrost_cost_total", answer.GetProperty("gatewayMetric").GetString());
        var truth = prometheus.History!.GatewayCostTruth;
        var rows = answer.GetProperty("rows").EnumerateArray().ToList();
        var expectedRows = truth.Keys.Select(k => (k.Hour.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), k.Model, k.Team)).Distinct().Count();
        Assert.Equal(expectedRows, rows.Count);
        foreach (var row in rows)
        {
            var (day, model, team) = (row.GetProperty("day").GetString()!, row.GetProperty("model").GetString()!, row.GetProperty("team").GetString()!);
            var gateway = truth.Where(t => t.Key.Hour.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) == day && t.Key.Model == model && t.Key.Team == team).Sum(t => t.Value);
            Assert.True(Math.Abs(gateway - row.GetProperty("gatewayCostUsd").GetDecimal()) < 0.0001m, $"{day} {model} {team}: gateway {gateway}, answered {row.GetProperty("gatewayCostUsd")}");

            var flagged = row.GetProperty("flagged").GetBoolean();
            var cause = row.GetProperty("cause").GetString();
            switch (model)
            {
                case "gemini-1.5-flash":
                    Assert.True(flagged);
                    Assert.StartsWith("CostConsole has no price for 'gemini-1.5-flash'", cause);
                    break;
                case "gpt-4o-mini" when gateway > 0.11m:
                    // 10% under: the gateway's implied price is 1/0.9 of CostConsole's.
                    Assert.True(flagged, $"{day} {team}: {row}");
                    Assert.StartsWith("A price entry differs from the gateway's: its implied price for 'gpt-4o-mini'", cause);
                    Assert.EndsWith("(+11.1%).", cause);
                    Assert.Equal(-10m, Math.Round(row.GetProperty("differencePercent").GetDecimal(), 1));
                    break;
                case "gpt-4o-mini" when gateway < 0.099m:
                    Assert.False(flagged, "a difference under the minimum in dollars is not a finding");
                    break;
                case "gpt-4o-mini":
                    break;
                default:
                    Assert.False(flagged, $"{day} {model} {team}: {row}");
                    Assert.Equal(JsonValueKind.Null, row.GetProperty("cause").ValueKind);
                    break;
            }
        }

        Assert.Contains(rows, r => r.GetProperty("model").GetString() == "gpt-4o-mini" && r.GetProperty("flagged").GetBoolean());
        Assert.Contains(rows, r => r.GetProperty("model").GetString()!.StartsWith("claude-", StringComparison.Ordinal) && !r.GetProperty("flagged").GetBoolean());
        Assert.True(Math.Abs(truth.Values.Sum() - answer.GetProperty("gatewayCostUsd").GetDecimal()) < 0.001m);

        // The page shows the same rows, flagged ones first.
        var page = await client.GetStringAsync($"/reconcile?from={Start:yyyy-MM-dd}&to={End.AddDays(-1):yyyy-MM-dd}");
        Assert.Contains("data-testid=\"reconcile-table\"", page);
        Assert.Contains("CostConsole has no price for &#x27;gemini-1.5-flash&#x27;", page);

        // A bad window is refused with a message; a profile without a gateway counter says so.
        var bad = await client.GetAsync("/api/v1/reconcile/gateway?from=2026-11-10T00:00:00Z&to=2026-11-11T00:00:00Z&groupBy=outcome");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'groupBy' cannot be 'outcome' here", await bad.Content.ReadAsStringAsync());
        using var seed = new AppFactory(prometheus.BaseUrl);
        var unavailable = await (await seed.SignedInAsync(Roles.Engineer)).GetFromJsonAsync<JsonElement>("/api/v1/reconcile/gateway?from=2026-11-10T00:00:00Z&to=2026-11-11T00:00:00Z");
        Assert.False(unavailable.GetProperty("available").GetBoolean());
        Assert.Contains("no gateway cost counter", unavailable.GetProperty("warnings")[0].GetString());
    }
}
