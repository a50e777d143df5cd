using System.Globalization;
using System.Text;
using CostConsole.Features.Identity;
using CostConsole.Features.Sources;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.Integration;

public sealed class SourcesTests
{
    [Theory]
    [InlineData("15d", true)]
    [InlineData("34d", true)]
    [InlineData("35d", false)]
    [InlineData("4w", true)]
    [InlineData("5w", false)]
    [InlineData("10y", false)]
    [InlineData("720h", true)]
    public void Retention_under_35_days_is_warned_about(string retention, bool warned)
    {
        Assert.Equal(warned, SourceInspector.RetentionWarning(retention) is not null);
    }

    [Fact]
    public async Task The_sources_page_counts_series_and_flags_per_request_labels_and_missing_ones()
    {
        // Recent samples of the input counter: 3 series with a user_id label, and no model label at all.
        var now = DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeSeconds();
        var text = new StringBuilder("# TYPE gen_ai_client_token_usage_input counter\n");
        for (var user = 1; user <= 3; user++)
        {
            text.Append(CultureInfo.InvariantCulture, $"gen_ai_client_token_usage_input_total{{feature=\"chat\",user_id=\"u{user}\"}} {user * 10} {now}\n");
        }

        // The request counter, the only one of the seed's counters that carries outcome, here without it.
        text.Append("# TYPE gen_ai_client_requests counter\n");
        text.Append(CultureInfo.InvariantCulture, $"gen_ai_client_requests_total{{feature=\"chat\",gen_ai_request_model=\"m\"}} 3 {now}\n");
        text.Append("# EOF\n");
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: text.ToString());
        using var app = new AppFactory(prometheus.BaseUrl);
        var client = await app.SignedInAsync(Roles.Engineer);

        var page = await client.GetStringAsync("/sources");

        Assert.Contains("<code>gen_ai_client_token_usage_input_total</code> — 3 series in the last hour", page);
        Assert.Contains("&#x27;user_id&#x27; looks like a per-request or per-user label", page);
        Assert.Contains("expects a <code>gen_ai_request_model</code> or <code>gen_ai_response_model</code> label", page);
        // outcome is expected on the request counter alone: one warning (for it), none for the token counter without it.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page, "expects a <code>outcome</code> label"));
        var requests = page[page.IndexOf("<code>gen_ai_client_requests_total</code>", StringComparison.Ordinal)..];
        Assert.Contains("expects a <code>outcome</code> label", requests);
        Assert.Contains("<code>gen_ai_client_token_usage_output_total</code> — not found", page);
        Assert.DoesNotContain("retention-warning", page);
        Assert.Contains("No hour has been ingested yet", page);
    }

    [Fact]
    public async Task The_sources_page_says_how_calls_are_authenticated_never_with_the_secret_and_warns_about_skipped_checks()
    {
        const string Secret = "do-not-show-this-password";
        // Nothing answers on this port: the page still says how it would connect.
        using var app = new AppFactory($"https://127.0.0.1:{PrometheusServer.FreePort()}", new Dictionary<string, string?>
        {
            ["Prometheus:Auth:Username"] = "alice",
            ["Prometheus:Auth:Password"] = Secret,
            ["Prometheus:Headers:X-Scope-OrgID"] = "tenant-1",
            ["Prometheus:Tls:InsecureSkipVerify"] = "true",
        });
        var client = await app.SignedInAsync(Roles.Engineer);

        var page = await client.GetStringAsync("/sources");

        Assert.Contains("Connection: basic auth as alice; headers X-Scope-OrgID; certificates not checked.", page);
        Assert.Contains("data-testid=\"insecure-tls\"", page);
        Assert.DoesNotContain(Secret, page);
        Assert.DoesNotContain("tenant-1", page);
    }
}
