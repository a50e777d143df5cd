using System.Globalization;
using System.Net.Http.Json;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Metrics;
using CostConsole.Features.Pricing;
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

    private static async Task<(Simulation History, List<LedgerRow> Ledger, AppFactory App, PrometheusServer Prometheus)> IngestAsync(
        MetricShape shape, bool teamLabel = true, IDictionary<string, string?>? settings = null, Func<WorkloadSettings, WorkloadSettings>? workload = null)
    {
        var prometheus = await PrometheusServer.StartAsync((workload ?? (w => w))(Settings(shape, teamLabel)), End);
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
        return (prometheus.History!, await db.LedgerRows().ToListAsync(), app, prometheus);
    }

    public static TheoryData<string> Shapes => ["otel-seed", "otel-genai-histogram", "bifrost", "litellm"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task The_ledger_matches_ground_truth_in_each_exporters_real_shape(string shapeName)
    {
        var shape = MetricShape.Named(shapeName);
        var profile = MetricProfile.BuiltIn[shapeName];
        var (history, ledger, app, prometheus) = await IngestAsync(shape);
        await using var _ = prometheus;
        using var __ = app;

        // Compare on what the shape carries: model always; team and feature where it has their labels (a team as the
        // profile reads it back, e.g. LiteLLM's team without an alias by its id); every token type and requests it counts.
        var hasTeam = profile.LabelsOf("team").Any(shape.Carries);
        var hasFeature = profile.LabelsOf("feature").Any(shape.Carries);
        var expected = history.GroundTruth
            .Where(t => shape.Metrics.ContainsKey(t.Key.TokenType))
            .GroupBy(t => (t.Key.Hour.ToUnixTimeSeconds(), t.Key.Model, hasFeature ? t.Key.Feature : "", hasTeam ? shape.ReadBackTeam(t.Key.Team) : "", t.Key.TokenType))
            .ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        var actual = ledger
            .Where(e => e.TokenType != TokenType.GatewayCost)
            .GroupBy(e => (e.HourUnix, e.Model, e.Feature, e.Team, LedgerRowQueries.FamilyOf(e.TokenType)))
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens));

        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));

        // A gateway's own USD counter, per hour and dimension set, to the millionth of a dollar the ledger keeps.
        var expectedCost = history.GatewayCostTruth
            .GroupBy(t => (t.Key.Hour.ToUnixTimeSeconds(), t.Key.Model, hasFeature ? t.Key.Feature : "", hasTeam ? shape.ReadBackTeam(t.Key.Team) : ""))
            .ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        var actualCost = ledger.Where(e => e.TokenType == TokenType.GatewayCost)
            .GroupBy(e => (e.HourUnix, e.Model, e.Feature, e.Team)).ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens) / 1_000_000m);
        Assert.Equal(shape.Metrics.ContainsKey(Family.GatewayCost), expectedCost.Count > 0);
        Assert.Equal(expectedCost.Keys.Order(), actualCost.Keys.Order());
        Assert.All(expectedCost, e => Assert.True(Math.Abs(e.Value - actualCost[e.Key]) <= 0.000001m, $"{e.Key}: gateway {e.Value}, ledger {actualCost[e.Key]}"));
        Assert.Equal(shape.Metrics.ContainsKey(Family.CacheWriteTokens), ledger.Any(e => e.TokenType == TokenType.CacheWrite));
        Assert.Equal(shape.Metrics.ContainsKey(Family.Requests), ledger.Any(e => e.TokenType == TokenType.Requests));
        if (profile.LabelsOf("provider").Any(shape.Carries)) Assert.All(ledger, e => Assert.NotEqual("", e.Provider));
        if (hasTeam) Assert.DoesNotContain(ledger, e => e.Team is "" or "None");

        // Without a cached split the pages say the cost is an upper bound.
        var spend = await app.Services.GetRequiredService<SpendQuery>().RunAsync(new SpendRequest(Start, End, ["model"]));
        Assert.Equal(!profile.HasCachedSplit, spend.Warnings.Any(w => w.Contains("upper bound", StringComparison.Ordinal)));
    }

    /// <summary>Short-lived processes restarted in place, on the OTel exporter's shape without a start-time metric.</summary>
    private static WorkloadSettings Restarting(WorkloadSettings settings, bool instanceId) => settings with
    {
        StartTimeMetric = false,
        InstanceId = instanceId,
        MinPodLifetimeHours = 0.3,
        MaxPodLifetimeHours = 1.5,
        RestartInPlaceShare = 1.0,
    };

    /// <summary>
    /// Replays the same simulation and finds the restarts only a start time or an instance id can reveal: a series whose
    /// first value after its process restarted is at or above its last one before, with no gap (back within two scrape
    /// intervals). Read without a reset, each loses exactly its value before the restart.
    /// </summary>
    private static (int Hidden, long Lost) HiddenRestarts(WorkloadSettings settings)
    {
        var simulation = new Simulation(settings);
        Dictionary<string, DateTimeOffset> started = [];
        Dictionary<string, (long Value, DateTimeOffset At)> last = [];
        Dictionary<string, (long Value, DateTimeOffset At)> beforeRestart = [];
        var (hidden, lost) = (0, 0L);
        simulation.AdvanceTo(End, (pod, at) =>
        {
            if (started.TryGetValue(pod.Name, out var since) && since != pod.StartedAt)
            {
                foreach (var (labels, seen) in last.Where(l => l.Key.Contains($"\"{pod.Name}:", StringComparison.Ordinal))) beforeRestart[labels] = seen;
            }

            started[pod.Name] = pod.StartedAt;
            foreach (var series in pod.Series.Values.Where(s => s.Family is Family.InputTokens or Family.OutputTokens or Family.CachedInputTokens or Family.Requests))
            {
                var key = series.Family + series.Labels;
                if (beforeRestart.Remove(key, out var before) && series.Value >= before.Value && at - before.At <= settings.ScrapeInterval * 2 + TimeSpan.FromSeconds(1))
                {
                    hidden++;
                    lost += series.Family is Family.InputTokens or Family.OutputTokens ? before.Value : 0;
                }

                last[key] = (series.Value, at);
            }
        });
        return (hidden, lost);
    }

    [Fact]
    public async Task Without_a_start_time_metric_the_instance_id_in_target_info_finds_every_restart()
    {
        var (history, ledger, app, prometheus) = await IngestAsync(MetricShape.OtelSeed, workload: s => Restarting(s, instanceId: true));
        await using var _ = prometheus;
        using var __ = app;

        // The history holds restarts that come back at or above their last value: no drop gives them away.
        Assert.True(HiddenRestarts(Restarting(Settings(MetricShape.OtelSeed), instanceId: true)).Hidden > 0);
        Assert.True(history.Restarts > 10);

        var expected = history.GroundTruth
            .GroupBy(t => (t.Key.Hour.ToUnixTimeSeconds(), t.Key.Model, t.Key.Feature, t.Key.TokenType))
            .ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        var actual = ledger.GroupBy(e => (e.HourUnix, e.Model, e.Feature, LedgerRowQueries.FamilyOf(e.TokenType))).ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens));
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
    }

    [Fact]
    public async Task Without_any_restart_signal_a_restart_that_comes_back_higher_is_missed_by_exactly_its_earlier_value()
    {
        // The undetectable case the README documents: no start time, no instance id, and the series back at the next scrape.
        var (history, ledger, app, prometheus) = await IngestAsync(MetricShape.OtelSeed, workload: s => Restarting(s, instanceId: false));
        await using var _ = prometheus;
        using var __ = app;
        var (hidden, lost) = HiddenRestarts(Restarting(Settings(MetricShape.OtelSeed), instanceId: false));
        Assert.True(hidden > 0);

        long Tokens(IEnumerable<KeyValuePair<TruthKey, long>> truth) => truth.Where(t => t.Key.TokenType is Family.InputTokens or Family.OutputTokens).Sum(t => t.Value);
        Assert.Equal(Tokens(history.GroundTruth) - lost, ledger.Where(e => e.TokenType is TokenType.Input or TokenType.Output).Sum(e => e.Tokens));
    }

    [Fact]
    public async Task Extra_dimensions_group_and_filter_in_the_query_the_api_and_the_focus_export()
    {
        var (history, _, app, prometheus) = await IngestAsync(MetricShape.LiteLlm);
        await using var _ = prometheus;
        using var __ = app;
        var profile = MetricProfile.BuiltIn["litellm"];
        Assert.Equal(["api_key", "end_user"], profile.ExtraNames);

        // LiteLLM's api_key_alias is "<team>-service" in the generated history; end_user is the string None, read as empty.
        var result = await app.Services.GetRequiredService<SpendQuery>().RunAsync(new SpendRequest(Start, End, ["api_key", "end_user"]) { Extras = profile.ExtraNames });
        var expected = history.GroundTruth.Where(t => t.Key.TokenType == Family.InputTokens).GroupBy(t => t.Key.Team + "-service").ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        Assert.Equal(expected.OrderBy(e => e.Key), result.Rows.ToDictionary(r => r.Keys[0], r => r.Figures.InputTokens).OrderBy(e => e.Key));
        Assert.All(result.Rows, r => Assert.Equal("", r.Keys[1]));

        var client = await app.SignedInAsync(Roles.Finance);
        var window = $"from={Start:yyyy-MM-ddTHH:mm:ssZ}&to={End:yyyy-MM-ddTHH:mm:ssZ}";
        var api = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/spend?{window}&groupBy=model,api_key&where=api_key=search-service");
        var rows = api.GetProperty("rows").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal("search-service", r.GetProperty("extra").GetProperty("api_key").GetString()));
        Assert.Equal(expected["search-service"], rows.Sum(r => r.GetProperty("inputTokens").GetInt64()));

        var focus = await client.GetStringAsync($"/api/v1/exports/focus?{window}&where=api_key=search-service");
        Assert.Contains("\"api_key\":\"search-service\"", focus.Replace("\"\"", "\"", StringComparison.Ordinal));
        Assert.DoesNotContain("growth-service", focus);
        // LiteLLM reports no cached split: the export says its cost is an upper bound.
        Assert.Contains("(upper bound: the source reports no cached input)", focus);

        var bad = await client.GetAsync($"/api/v1/spend?{window}&where=colour=red");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'where' ('colour=red') must be name=value with name one of: api_key, end_user.", await bad.Content.ReadAsStringAsync());
        var explorer = await client.GetStringAsync($"/explore?range=custom&from={Start:yyyy-MM-dd}&to={End:yyyy-MM-dd}&tz=UTC&by=api_key");
        Assert.DoesNotContain("Cannot group by", explorer);
    }

    [Fact]
    public async Task Bifrost_cache_reads_and_writes_are_priced_at_their_own_prices_and_teams_read_by_name()
    {
        var (history, ledger, app, prometheus) = await IngestAsync(MetricShape.Bifrost);
        await using var _ = prometheus;
        using var __ = app;
        var (entries, problems) = PriceCsv.Parse($"""
            {PriceCsv.Header}
            gpt-4o-2024-11-20,2025-01-01T00:00:00Z,2.50,10.00,1.25,
            gpt-4o-mini,2025-01-01T00:00:00Z,0.15,0.60,0.075,
            re:claude-.*,2025-01-01T00:00:00Z,3.00,15.00,0.30,3.75
            gemini-1.5-flash,2025-01-01T00:00:00Z,0.075,0.30,0.01875,
            text-embedding-3-small,2025-01-01T00:00:00Z,0.02,0,,
            """);
        Assert.Empty(problems);
        Assert.Empty(await app.Services.GetRequiredService<PriceStore>().ImportAsync(entries, "test"));

        var result = await app.Services.GetRequiredService<SpendQuery>().RunAsync(new SpendRequest(Start, End, ["team"]));

        // Ground truth priced by hand: input less cache reads and writes at the input price, reads and writes at theirs
        // (a missing cache-write price is the input price; a missing cached price too).
        (decimal In, decimal Out, decimal Read, decimal Write) PriceOf(string model) => model switch
        {
            "gpt-4o-2024-11-20" => (2.50m, 10.00m, 1.25m, 2.50m),
            "gpt-4o-mini" => (0.15m, 0.60m, 0.075m, 0.15m),
            "gemini-1.5-flash" => (0.075m, 0.30m, 0.01875m, 0.075m),
            "text-embedding-3-small" => (0.02m, 0m, 0.02m, 0.02m),
            _ => (3.00m, 15.00m, 0.30m, 3.75m),
        };
        var expected = history.GroundTruth.GroupBy(t => t.Key.Team).ToDictionary(g => g.Key, g => g.GroupBy(t => t.Key.Model).Sum(m =>
        {
            long Tokens(Family f) => m.Where(t => t.Key.TokenType == f).Sum(t => t.Value);
            var p = PriceOf(m.Key);
            var (read, write) = (Tokens(Family.CachedInputTokens), Tokens(Family.CacheWriteTokens));
            return ((Tokens(Family.InputTokens) - read - write) * p.In + read * p.Read + write * p.Write + Tokens(Family.OutputTokens) * p.Out) / 1_000_000m;
        }));

        Assert.Contains(history.GroundTruth, t => t.Key.TokenType == Family.CacheWriteTokens && t.Key.Model.StartsWith("claude-", StringComparison.Ordinal));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), result.Rows.Select(r => r.Keys[0]).Order(StringComparer.Ordinal));
        foreach (var row in result.Rows)
        {
            Assert.Equal(Math.Round(expected[row.Keys[0]], 2), Math.Round(row.Figures.CostUsd, 2));
        }

        Assert.Equal(0, result.Totals.UnpricedTokens);
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
            ["Prometheus:Profiles:our-proxy:Labels:team"] = "team_alias, team",
            ["Prometheus:Profiles:our-proxy:EmptyValues:0"] = "None",
        });
        await using var _ = prometheus;
        using var __ = app;

        var expected = history.GroundTruth.Where(t => t.Key.TokenType == Family.OutputTokens).GroupBy(t => (t.Key.Model, MetricShape.LiteLlm.ReadBackTeam(t.Key.Team))).ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        var actual = ledger.Where(e => e.TokenType == TokenType.Output).GroupBy(e => (e.Model, e.Team)).ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens));

        Assert.Equal(expected.OrderBy(k => k.Key), actual.OrderBy(k => k.Key));
    }
}
