using CostConsole.Tests.Shared;
using CostConsole.Workload;

namespace CostConsole.Tests.Unit;

public sealed class WorkloadSimulationTests
{
    private static readonly DateTimeOffset Start = new(2026, 10, 5, 0, 0, 0, TimeSpan.Zero); // a Monday

    private static WorkloadSettings Settings(int days = 3, int seed = 7) => new()
    {
        Seed = seed,
        Start = Start,
        PodsPerTeam = 2,
        MinPodLifetimeHours = 6,
        MaxPodLifetimeHours = 20,
        SpikeDay = Start.AddDays(1),
    };

    private sealed record Captured(Simulation Simulation, List<RawSample> Samples, Dictionary<string, (string Model, string Feature, string Team, Family Family)> SeriesInfo);

    private static Captured Run(WorkloadSettings settings, TimeSpan duration)
    {
        var simulation = new Simulation(settings);
        List<RawSample> samples = [];
        Dictionary<string, (string, string, string, Family)> info = [];
        simulation.AdvanceTo(settings.Start + duration, (pod, at) =>
        {
            var processStart = pod.Series.Values.Single(s => s.Family == Family.ProcessStart).Value;
            foreach (var series in pod.Series.Values.Where(s => s.Family is Family.InputTokens or Family.OutputTokens or Family.CachedInputTokens or Family.Requests))
            {
                var key = series.Family + series.Labels;
                info[key] = (series.Model, series.Feature, series.Team, series.Family);
                samples.Add(new RawSample(key, pod.Name, at.ToUnixTimeSeconds(), series.Value, processStart));
            }
        });
        return new Captured(simulation, samples, info);
    }

    [Fact]
    public void The_same_seed_gives_the_same_traffic_and_another_seed_does_not()
    {
        var a = Run(Settings(seed: 11), TimeSpan.FromHours(6));
        var b = Run(Settings(seed: 11), TimeSpan.FromHours(6));
        var c = Run(Settings(seed: 12), TimeSpan.FromHours(6));

        Assert.Equal(a.Simulation.GroundTruth.OrderBy(k => k.Key.ToString()), b.Simulation.GroundTruth.OrderBy(k => k.Key.ToString()));
        Assert.Equal(a.Samples, b.Samples);
        Assert.NotEqual(a.Simulation.GroundTruth.Values.Sum(), c.Simulation.GroundTruth.Values.Sum());
    }

    [Fact]
    public void An_exact_reader_of_the_raw_counters_matches_the_ground_truth_to_the_token()
    {
        var run = Run(Settings(), TimeSpan.FromDays(3));

        var read = ReferenceReader.HourlyDeltas(run.Samples)
            .GroupBy(kv =>
            {
                var (model, feature, team, family) = run.SeriesInfo[kv.Key.Series];
                return new TruthKey(DateTimeOffset.FromUnixTimeSeconds(kv.Key.HourSeconds), model, feature, team, family);
            })
            .ToDictionary(g => g.Key, g => (long)g.Sum(kv => kv.Value));

        var truth = run.Simulation.GroundTruth;
        Assert.True(run.Simulation.Restarts > 0, "the run should include restarts in place (counter resets)");
        Assert.True(run.Simulation.Replacements > 0, "the run should include replaced pods (new series)");
        Assert.Equal(truth.Count, read.Count(kv => kv.Value != 0));
        foreach (var (key, tokens) in truth)
        {
            Assert.Equal(tokens, read.GetValueOrDefault(key));
        }
    }

    [Fact]
    public void The_catalog_has_thirty_features_over_six_teams_with_a_long_tail()
    {
        var catalog = Catalog.Create(42);

        Assert.Equal(30, catalog.Features.Count);
        Assert.Equal(30, catalog.Features.Select(f => f.Name).Distinct().Count());
        Assert.Equal(6, catalog.Features.Select(f => f.Team).Distinct().Count());
        var weights = catalog.Features.Select(f => f.Weight).OrderDescending().ToList();
        Assert.True(weights[0] / weights[^1] > 20, "the busiest feature should dwarf the quietest");
        Assert.Contains(catalog.Features, f => f.CachedFraction > 0);
        Assert.Contains(catalog.Features, f => f.CachedFraction == 0);
        Assert.True(catalog.Features.SelectMany(f => f.Models).Select(m => m.Model).Distinct().Count() >= 4);
    }

    [Fact]
    public void Cached_input_never_exceeds_input_for_any_hour_and_feature()
    {
        var truth = Run(Settings(), TimeSpan.FromDays(1)).Simulation.GroundTruth;

        var cached = truth.Where(t => t.Key.TokenType == Family.CachedInputTokens).ToList();
        Assert.NotEmpty(cached);
        foreach (var (key, tokens) in cached)
        {
            var input = truth[key with { TokenType = Family.InputTokens }];
            Assert.True(tokens <= input, $"{key}: cached {tokens} > input {input}");
        }
    }

    [Fact]
    public void About_two_percent_of_requests_fail_and_their_counters_are_labelled()
    {
        var simulation = new Simulation(Settings());
        simulation.AdvanceTo(Start.AddDays(2));

        var requests = simulation.Pods.SelectMany(p => p.Series.Values).Where(s => s.Family == Family.Requests).ToList();
        var failed = requests.Where(s => s.Labels.Contains("outcome=\"error\"")).Sum(s => s.Value);
        var total = requests.Sum(s => s.Value);
        var share = (double)failed / total;
        Assert.InRange(share, 0.01, 0.03);
        Assert.All(requests.Where(s => s.Labels.Contains("outcome=\"error\"")), s => Assert.Contains("error_type=\"", s.Labels));
    }

    [Fact]
    public void The_spike_day_multiplies_the_runaway_features_tokens()
    {
        var settings = Settings() with { SpikeFeature = null };
        var simulation = new Simulation(settings);
        simulation.AdvanceTo(Start.AddDays(3));
        var feature = simulation.SpikeFeature!;

        long Day(int index) => simulation.GroundTruth
            .Where(t => t.Key.Feature == feature && t.Key.TokenType == Family.InputTokens && t.Key.Hour >= Start.AddDays(index) && t.Key.Hour < Start.AddDays(index + 1))
            .Sum(t => t.Value);

        // Spike on day 1: 12x the requests at 1.5x the input each, against ordinary days 0 and 2 (all weekdays).
        Assert.True(Day(1) > 8 * Day(0), $"spike {Day(1)} vs day before {Day(0)}");
        Assert.True(Day(1) > 8 * Day(2), $"spike {Day(1)} vs day after {Day(2)}");
    }

    [Fact]
    public void Traffic_follows_the_day_and_the_week()
    {
        Assert.True(Simulation.LoadFactor(Start.AddHours(14)) > 4 * Simulation.LoadFactor(Start.AddHours(3)));
        var saturday = Start.AddDays(5).AddHours(14);
        Assert.Equal(DayOfWeek.Saturday, saturday.DayOfWeek);
        Assert.True(Simulation.LoadFactor(saturday) < 0.5 * Simulation.LoadFactor(Start.AddHours(14)));
    }

    [Fact]
    public void Without_the_team_label_series_carry_no_team()
    {
        var simulation = new Simulation(Settings() with { TeamLabel = false });
        simulation.AdvanceTo(Start.AddHours(2));
        var tokenSeries = simulation.Pods.SelectMany(p => p.Series.Values).Where(s => s.Family == Family.InputTokens).ToList();
        Assert.NotEmpty(tokenSeries);
        Assert.All(tokenSeries, s => Assert.DoesNotContain("team=", s.Labels));
    }

    [Fact]
    public void History_files_are_valid_openmetrics_with_families_grouped_and_an_eof()
    {
        var folder = Directory.CreateTempSubdirectory("cc-om-");
        try
        {
            var settings = Settings();
            var simulation = new Simulation(settings);
            var path = Path.Combine(folder.FullName, "history.om");
            using (var writer = new OpenMetricsWriter(path))
            {
                simulation.AdvanceTo(Start.AddHours(3), writer.WriteScrape);
                writer.Complete();
            }

            var lines = File.ReadAllLines(path);
            Assert.Equal("# EOF", lines[^1]);
            var typeLines = lines.Where(l => l.StartsWith("# TYPE ")).ToList();
            Assert.Equal(MetricShape.OtelSeed.Metrics.Count, typeLines.Count);
            // Each family's samples follow its TYPE line and no other family's samples are interleaved.
            var familyOrder = lines.Where(l => !l.StartsWith('#')).Select(l => l[..l.IndexOf('{')]).Distinct().ToList();
            Assert.Equal(familyOrder.Count, lines.Where(l => !l.StartsWith('#')).Select(l => l[..l.IndexOf('{')]).Chunk(1)
                .Aggregate(new List<string>(), (acc, c) => { if (acc.Count == 0 || acc[^1] != c[0]) acc.Add(c[0]); return acc; }).Count);
            Assert.Contains("gen_ai_client_token_usage_input_total", familyOrder);
            Assert.Empty(Directory.GetFiles(folder.FullName, "*.part*"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Time_split_files_each_hold_one_span_and_together_every_sample()
    {
        var folder = Directory.CreateTempSubdirectory("cc-split-");
        try
        {
            var simulation = new Simulation(Settings());
            IReadOnlyList<string> files;
            long samples;
            using (var writer = new OpenMetricsWriter(Path.Combine(folder.FullName, "h.om"), separateFiles: true, span: TimeSpan.FromHours(6)))
            {
                simulation.AdvanceTo(Start.AddHours(18), writer.WriteScrape);
                files = writer.Complete();
                samples = writer.Samples;
            }

            // Three 6-hour spans of the seed shape's six families each.
            Assert.Equal(3 * MetricShape.OtelSeed.Metrics.Count, files.Count);
            Assert.All(files, f => Assert.Equal("# EOF", File.ReadLines(f).Last()));
            Assert.Equal(samples, files.Sum(f => File.ReadLines(f).Count(l => !l.StartsWith('#'))));
            foreach (var file in files)
            {
                var times = File.ReadLines(file).Where(l => !l.StartsWith('#')).Select(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..])).ToList();
                Assert.True(times.Max() / 21600 == times.Min() / 21600, $"{file} spans more than one 6-hour block");
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
