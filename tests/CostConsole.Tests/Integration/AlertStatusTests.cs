using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Metrics;
using CostConsole.Features.Pricing;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.Integration;

/// <summary>The alerts page against a real Prometheus evaluating the exported cost rules over live counters, and when there is nothing to read.</summary>
public sealed class AlertStatusTests
{
    private static readonly DateTimeOffset Since = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_burn_rate_over_the_daily_budget_shows_as_pending_and_a_missing_group_is_named()
    {
        await using var exporter = new CounterExporter(
        [
            ("gen_ai_client_token_usage_input_total", new Dictionary<string, string> { ["feature"] = "chat", ["gen_ai_request_model"] = "m" }, 5000),
            ("gen_ai_client_token_usage_output_total", new Dictionary<string, string> { ["feature"] = "chat", ["gen_ai_request_model"] = "m" }, 1000),
        ]);
        // $2.00 / $8.00 per 1M: about $0.02 a second, far over a $1 daily budget.
        var rules = CostRules.Write(MetricProfile.BuiltIn["otel-seed"], RuleVariant.Inline, new RuleSettings(1m),
            new Dictionary<string, PriceEntry> { ["m"] = new("m", Since, 2m, 8m) }, DateTimeOffset.UtcNow);
        await using var prometheus = await PrometheusServer.StartAsync(
            ruleFiles: new Dictionary<string, string> { ["cost.yml"] = rules },
            scrapeJobs: [new ScrapeJob("tokens", exporter.Target, Interval: "2s")],
            evaluationInterval: "1s");
        using var query = new HttpClient { BaseAddress = new Uri(prometheus.BaseUrl) };
        await WaitForPendingAsync(query, CostRules.BurnAlert);

        using var app = new AppFactory(prometheus.BaseUrl);
        var page = await (await app.SignedInAsync(Roles.Manager)).GetStringAsync("/alerts");

        Assert.Contains($"data-alert=\"{CostRules.BurnAlert}\" data-state=\"pending\"", page);
        Assert.Contains($"data-alert=\"{CostRules.SpikeAlert}\" data-state=\"inactive\"", page);
        Assert.Contains("LLM spend is running at $", page);
        Assert.DoesNotContain("data-testid=\"alerts-problem\"", page);
        // The pending alert's value in dollars per day (Prometheus says e.g. 1.723195701728395e+03); no template anywhere.
        var value = System.Text.RegularExpressions.Regex.Match(page, $"data-alert=\"{CostRules.BurnAlert}\"[\\s\\S]*?data-testid=\"alert-value\"[^>]*>([^<]*)<").Groups[1].Value;
        Assert.Matches(@"^\$[0-9,]+\.[0-9]{2} per day$", value);
        Assert.DoesNotContain("{{", page);
        Assert.DoesNotContain("e+0", page);
        Assert.Contains("Fires when the cost rate stays over 3 times its average of the past day for 10 minutes.", page);

        using var elsewhere = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?> { ["Alerts:GroupName"] = "team-alerts", ["Alerts:Label"] = "" });
        var missing = await (await elsewhere.SignedInAsync(Roles.Finance)).GetStringAsync("/alerts");
        Assert.Contains("The rule group &#x27;team-alerts&#x27; (Alerts:GroupName) is not loaded in Prometheus; its groups are: costconsole-cost.", missing);
        Assert.DoesNotContain("data-testid=\"alert-row\"", missing);
    }

    [Fact]
    public async Task A_prometheus_without_rules_or_one_that_is_down_is_said_so()
    {
        await using var prometheus = await PrometheusServer.StartAsync();
        using var app = new AppFactory(prometheus.BaseUrl);
        var page = await (await app.SignedInAsync(Roles.Manager)).GetStringAsync("/alerts");
        Assert.Contains("Prometheus has no rules loaded.", page);

        using var down = new AppFactory($"http://127.0.0.1:{PrometheusServer.FreePort()}");
        var unreachable = await (await down.SignedInAsync(Roles.Manager)).GetStringAsync("/alerts");
        Assert.Contains("Prometheus&#x27; rules could not be read", unreachable);
        Assert.Contains("alert states are unknown, not quiet", unreachable);
    }

    private static Task WaitForPendingAsync(HttpClient query, string alert) =>
        WaitUntil.ValueAsync(() => query.GetStringAsync("/api/v1/alerts"), answer =>
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
                .Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == alert && a.GetProperty("state").GetString() == "pending");
        }, TimeSpan.FromSeconds(120), $"{alert} to be pending");
}
