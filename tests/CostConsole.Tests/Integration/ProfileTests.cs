using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Ledger;
using CostConsole.Features.Metrics;
using CostConsole.Features.Spend;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Each built-in profile against a small generated history in that exporter's names and labels: the ledger equals the
/// ground truth for the dimensions the exporter carries.
/// </summary>
public sealed class ProfileTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Start.AddHours(18);

    private static WorkloadSettings Settings(MetricShape shape, bool teamLabel = true) => new()
    {
        Seed = 77,
        Start = Start,
        FeatureCount = 8,
        PodsPerTeam = 1,
        MinPodLifetimeHours = 3,
        MaxPodLifetimeHours = 9,
        RequestsPerMinute = 20,
        Shape = shape,
        TeamLabel = teamLabel,
    };

    private static async Task<(Simulation History, List<LedgerEntry> Ledger, AppFactory App, PrometheusServer Prometheus)> IngestAsync(
        MetricShape shape, bool teamLabel = true, IDictionary<string, string?>? settings = null)
    {
        var prometheus = await PrometheusServer.StartAsync(Settings(shape, teamLabel), End);
        var all = new Dictionary<string, string?>
        {
            ["Prometheus:Profile"] = shape.Name,
            ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "6",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var app = new AppFactory(prometheus.BaseUrl, all);
        Assert.Equal(18, await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(End));
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        return (prometheus.History!, await db.LedgerEntries.AsNoTracking().ToListAsync(), app, prometheus);
    }

    private static Family FamilyOf(TokenType type) => type == TokenType.Input ? Family.InputTokens : Family.OutputTokens;

    public static TheoryData<string> Shapes => ["otel-genai-histogram", "bifrost", "litellm"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task The_ledger_matches_ground_truth_in_each_exporters_shape(string shapeName)
    {
        var shape = MetricShape.Named(shapeName);
        var (history, ledger, app, prometheus) = await IngestAsync(shape);
        await using var _ = prometheus;
        using var __ = app;

        // Compare on what the shape carries: model always, team where it has a team label.
        string TeamKey(string team) => shape.TeamLabel is null ? "" : team;
        var expected = history.GroundTruth
            .Where(t => t.Key.TokenType is Family.InputTokens or Family.OutputTokens)
            .GroupBy(t => (t.Key.Hour.ToUnixTimeSeconds(), t.Key.Model, TeamKey(t.Key.Team), t.Key.TokenType))
            .ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        var actual = ledger
            .GroupBy(e => (e.HourUnix, e.Model, e.Team, FamilyOf(e.TokenType)))
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens));

        Assert.DoesNotContain(ledger, e => e.TokenType == TokenType.CachedInput);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (key, tokens) in expected)
        {
            Assert.True(actual.ContainsKey(key), $"missing {key}; ledger has e.g. {actual.Keys.First()}");
            Assert.Equal(tokens, actual[key]);
        }

        if (shape.FeatureLabel is null) Assert.All(ledger, e => Assert.Equal("", e.Feature));
        if (shape.ProviderLabel is not null) Assert.All(ledger, e => Assert.NotEqual("", e.Provider));
    }

    [Fact]
    public async Task Without_a_team_label_ownership_decides_the_team_and_unowned_features_are_unassigned()
    {
        var (history, ledger, app, prometheus) = await IngestAsync(MetricShape.OtelSeed, teamLabel: false);
        await using var _ = prometheus;
        using var __ = app;
        Assert.All(ledger, e => Assert.Equal("", e.Team));

        var owned = history.Catalog.Features[0];
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
            await teams.CreateAsync(owned.Team);
            var teamId = (await teams.ListAsync()).Single().Id;
            Assert.True((await teams.SetFeatureOwnerAsync(owned.Name, teamId)).Succeeded);
            Assert.Contains("1 to 200 characters", (await teams.SetFeatureOwnerAsync("bad\nname", teamId)).Errors.Single());
        }

        var result = await app.Services.GetRequiredService<SpendQuery>().RunAsync(new SpendRequest(Start, End, ["team"]));

        long Input(Func<TruthKey, bool> which) => history.GroundTruth.Where(t => t.Key.TokenType == Family.InputTokens && which(t.Key)).Sum(t => t.Value);
        var byTeam = result.Rows.ToDictionary(r => r.Keys[0], r => r.Figures.InputTokens);
        Assert.Equal(2, byTeam.Count);
        Assert.Equal(Input(k => k.Feature == owned.Name), byTeam[owned.Team]);
        Assert.Equal(Input(k => k.Feature != owned.Name), byTeam[FeatureOwner.Unassigned]);
    }

    [Fact]
    public async Task A_custom_profile_from_settings_reads_an_exporter_by_its_own_names()
    {
        var (history, ledger, app, prometheus) = await IngestAsync(MetricShape.LiteLlm, settings: new Dictionary<string, string?>
        {
            ["Prometheus:Profile"] = "our-proxy",
            ["Prometheus:Profiles:our-proxy:Input"] = "litellm_input_tokens_metric_total",
            ["Prometheus:Profiles:our-proxy:Output"] = "litellm_output_tokens_metric_total",
            ["Prometheus:Profiles:our-proxy:Labels:model"] = "model",
            ["Prometheus:Profiles:our-proxy:Labels:team"] = "team",
        });
        await using var _ = prometheus;
        using var __ = app;

        var expected = history.GroundTruth.Where(t => t.Key.TokenType == Family.OutputTokens).GroupBy(t => (t.Key.Model, t.Key.Team)).ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        var actual = ledger.Where(e => e.TokenType == TokenType.Output).GroupBy(e => (e.Model, e.Team)).ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens));

        Assert.Equal(expected.OrderBy(k => k.Key), actual.OrderBy(k => k.Key));
    }
}
