using CostConsole.Features.Sources;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>Discovery against a real Prometheus holding the last hours of a gateway's real shape, while the profile is still the default.</summary>
public sealed class SourceDetectionTests
{
    internal static WorkloadSettings RecentBifrost(out DateTimeOffset end)
    {
        var now = DateTimeOffset.UtcNow;
        end = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
        return new WorkloadSettings { Seed = 3, Start = end.AddHours(-4), FeatureCount = 8, PodsPerTeam = 1, RequestsPerMinute = 30, Shape = MetricShape.Bifrost };
    }

    [Fact]
    public async Task The_detector_finds_the_gateway_shape_says_how_its_labels_fill_and_suggests_its_profile()
    {
        await using var prometheus = await PrometheusServer.StartAsync(RecentBifrost(out var end), end);
        using var app = new AppFactory(prometheus.BaseUrl);
        var history = prometheus.History!;

        var detection = await app.Services.GetRequiredService<SourceDetector>().DetectAsync();

        Assert.Null(detection.Problem);
        Assert.Equal("otel-seed", detection.ActiveProfile);
        var bifrost = Assert.Single(detection.Profiles);
        Assert.Equal("bifrost", bifrost.Profile);
        var inputSeries = history.Pods.Count == 0 ? 0 : prometheus.History!.Pods.Sum(p => p.Series.Values.Count(s => s.Family == Family.InputTokens));
        Assert.True(bifrost.Series >= inputSeries, $"{bifrost.Series} series found, {inputSeries} still exposed at the end");
        var teams = history.GroundTruth.Keys.Select(k => k.Team).Distinct().Count();
        var team = bifrost.Dimensions.Single(d => d.Dimension == "team");
        Assert.Equal(("team_name", teams, 0), (team.FilledFrom, team.Values, team.EmptySeries));
        Assert.Contains($"team from team_name: {teams} values", bifrost.Summary);
        Assert.All(bifrost.Sample, d => Assert.Contains(d.Team, history.Catalog.Teams));
        Assert.Equal($"Prometheus has no series for the otel-seed profile in the last 6 hours, but {bifrost.Series:N0} for bifrost: set Prometheus:Profile to bifrost.", detection.Suggestion);

        // The command says the same, and exits 3 because the profile in use finds nothing.
        var (code, output, error) = await AppProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__CostConsole"] = $"Data Source={Path.Combine(Path.GetTempPath(), $"detect-{Guid.NewGuid():N}.db")}",
            ["Prometheus__BaseUrl"] = prometheus.BaseUrl,
        }, "sources", "detect");
        Assert.True(code == 3, error);
        Assert.Contains("Profile in use: otel-seed.", output);
        Assert.Contains(bifrost.Summary, output);
        Assert.Contains("Suggestion: Prometheus has no series for the otel-seed profile", output);

        // With the suggested profile, nothing to suggest.
        using var switched = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?> { ["Prometheus:Profile"] = "bifrost" });
        var after = await switched.Services.GetRequiredService<SourceDetector>().DetectAsync();
        Assert.True(Assert.Single(after.Profiles).Active);
        Assert.Null(after.Suggestion);
    }
}
