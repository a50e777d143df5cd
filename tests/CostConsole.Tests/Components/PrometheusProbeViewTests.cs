using Bunit;
using CostConsole.Features.Metrics;
using CostConsole.Features.DataSource;

namespace CostConsole.Tests.Components;

public sealed class PrometheusProbeViewTests : ComponentTestBase
{
    private static readonly DateTimeOffset Checked = new(2026, 11, 23, 9, 30, 0, TimeSpan.Zero);

    private static PrometheusProbeReport Report(IReadOnlyList<MetricPresence> metrics, string? problem = null, string? version = "2.42.0", IReadOnlyList<string>? warnings = null) =>
        new("http://prometheus.test:9090", "otel-seed", Checked, version, "30d", metrics, warnings ?? [], problem);

    [Fact]
    public void A_missing_metric_is_named_with_its_likely_fix()
    {
        var metrics = MetricCheck.Check(MetricProfile.BuiltIn["otel-seed"], ["gen_ai_client_token_usage_input", "gen_ai_client_token_usage_output_total"]);

        var view = Render<PrometheusProbeView>(p => p.Add(c => c.Report, Report(metrics)));

        var input = view.Find("[data-metric='gen_ai_client_token_usage_input_total']");
        Assert.Equal("false", input.GetAttribute("data-found"));
        Assert.Contains("without the _total suffix", input.TextContent);
        Assert.Equal("true", view.Find("[data-metric='gen_ai_client_token_usage_output_total']").GetAttribute("data-found"));
        Assert.Empty(view.FindAll("[data-testid='metrics-ok']"));
    }

    [Fact]
    public void All_metrics_present_is_stated_plainly()
    {
        var names = MetricProfile.BuiltIn["otel-seed"].MetricNames.ToList();
        var view = Render<PrometheusProbeView>(p => p.Add(c => c.Report, Report(MetricCheck.Check(MetricProfile.BuiltIn["otel-seed"], names))));

        Assert.Single(view.FindAll("[data-testid='metrics-ok']"));
        Assert.Equal(names.Count, view.FindAll("[data-found='true']").Count);
        Assert.Equal("2.42.0", view.Find("[data-testid='prometheus-version']").TextContent);
        Assert.Equal("30d", view.Find("[data-testid='prometheus-retention']").TextContent);
        Assert.Contains("2026-11-23 09:30:00 UTC", view.Markup);
    }

    [Fact]
    public void An_unreachable_server_shows_the_problem_and_claims_nothing_about_metrics()
    {
        var view = Render<PrometheusProbeView>(p => p.Add(c => c.Report, Report([], problem: "Cannot reach Prometheus at http://prometheus.test:9090: Connection refused", version: null)));

        Assert.Contains("Connection refused", view.Find("[data-testid='prometheus-problem']").TextContent);
        Assert.Equal("not reachable", view.Find("[data-testid='prometheus-reachable']").TextContent);
        Assert.Single(view.FindAll("[data-testid='metrics-unknown']"));
        Assert.Empty(view.FindAll("[data-testid='metric-row']"));
    }

    [Fact]
    public void Warnings_are_shown_as_incomplete_figures()
    {
        var view = Render<PrometheusProbeView>(p => p.Add(c => c.Report, Report([], warnings: ["partial response from store 3"])));

        var warning = view.Find("[data-testid='prometheus-warning']");
        Assert.Contains("partial response from store 3", warning.TextContent);
        Assert.Contains("may be incomplete", warning.TextContent);
    }
}
