using System.Net;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.Options;

namespace CostConsole.Tests.Integration;

/// <summary>The home page and /readyz against a real Prometheus with data, one without, and no Prometheus at all.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class DataSourceTests(HistoryFixture fixture)
{
    [Fact]
    public async Task With_history_the_home_page_shows_version_retention_and_every_metric_found()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var client = await app.SignedInAsync(Roles.Finance);

        var page = await client.GetStringAsync("/datasource");

        Assert.Contains(fixture.Prometheus.BaseUrl, page);
        Assert.Contains("10y", page);
        Assert.Contains("data-testid=\"metrics-ok\"", page);
        Assert.Equal(4, CountOf(page, "data-found=\"true\""));
        Assert.DoesNotContain("data-found=\"false\"", page);
    }

    [Fact]
    public async Task An_empty_Prometheus_is_reported_metric_by_metric()
    {
        await using var empty = await PrometheusServer.StartAsync();
        using var app = new AppFactory(empty.BaseUrl);
        var client = await app.SignedInAsync(Roles.Engineer);

        var page = await client.GetStringAsync("/datasource");

        Assert.Contains("data-metric=\"gen_ai_client_token_usage_input_total\" data-found=\"false\"", page);
        Assert.Equal(4, CountOf(page, "data-found=\"false\""));
        Assert.Contains("Is the application scraped by this Prometheus", page);
        Assert.DoesNotContain("metrics-ok", page);
    }

    [Fact]
    public async Task An_unreachable_Prometheus_is_named_on_the_page_and_in_readyz_while_the_app_keeps_serving()
    {
        var url = $"http://127.0.0.1:{PrometheusServer.FreePort()}";
        using var app = new AppFactory(url);
        var client = await app.SignedInAsync(Roles.Manager);
        var engineer = await app.SignedInAsync(Roles.Engineer);

        var page = await client.GetStringAsync("/datasource");
        using var ready = await engineer.GetAsync("/readyz");
        using var live = await client.GetAsync("/healthz");

        Assert.Contains("data-testid=\"prometheus-problem\"", page);
        Assert.Contains($"Cannot reach Prometheus at {url}", page);
        Assert.Contains("data-testid=\"metrics-unknown\"", page);
        Assert.DoesNotContain("$0", page);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var checks = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Unhealthy", checks.GetProperty("prometheus").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task A_url_that_is_not_Prometheus_is_called_out_as_such()
    {
        // The app's own address answers HTML and 404s, as a wrong URL in real life would.
        using var other = new AppFactory("http://127.0.0.1:9");
        var notPrometheus = other.Server.BaseAddress.ToString();
        using var app = new AppFactory("http://127.0.0.1:9");
        var status = new CostConsole.Features.DataSource.PrometheusProbe(
            new CostConsole.Prometheus.PrometheusClient(new OneClient(other.CreateClient()), Options.Create(new CostConsole.Prometheus.PrometheusOptions { BaseUrl = notPrometheus }), Microsoft.Extensions.Logging.Abstractions.NullLogger<CostConsole.Prometheus.PrometheusClient>.Instance),
            Options.Create(new CostConsole.Prometheus.PrometheusOptions { BaseUrl = notPrometheus }),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<CostConsole.Features.DataSource.PrometheusProbe>.Instance);

        var report = await status.GetAsync();

        Assert.False(report.Reachable);
        Assert.Contains("Prometheus:BaseUrl", report.Problem);
    }

    [Fact]
    public async Task Readyz_is_healthy_with_a_real_Prometheus_and_database()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);

        using var ready = await app.Anonymous().GetAsync("/readyz");
        using var detailed = await (await app.SignedInAsync(Roles.Admin)).GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        // Anonymous callers (a load balancer) learn healthy or not; which Prometheus, and its version, only signed-in Engineers and Admins.
        Assert.Equal("{\"status\":\"Healthy\"}", await ready.Content.ReadAsStringAsync());
        var details = await detailed.Content.ReadAsStringAsync();
        Assert.Contains(fixture.Prometheus.BaseUrl, details);
        Assert.Contains("\"database\"", details);
    }

    [Theory]
    [InlineData(Roles.Finance)]
    [InlineData(Roles.Manager)]
    public async Task Readyz_details_are_not_for_every_role(string role)
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);

        using var ready = await (await app.SignedInAsync(role)).GetAsync("/readyz");

        Assert.Equal("{\"status\":\"Healthy\"}", await ready.Content.ReadAsStringAsync());
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    /// <summary>Hands out the in-memory test server's client, whatever name is asked for.</summary>
    private sealed class OneClient(HttpClient client) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => client;
    }
}
