using System.Net;
using System.Net.Sockets;
using CostConsole.Prometheus;
using CostConsole.Tests.Shared;
using CostConsole.Workload;

namespace CostConsole.Tests.Integration;

[Collection(PrometheusCollection.Name)]
public sealed class PrometheusClientTests(HistoryFixture fixture)
{
    private PrometheusClient Client => Prom.Client(fixture.Prometheus.BaseUrl);

    [Fact]
    public async Task Build_info_and_flags_come_from_the_real_server()
    {
        var build = await Client.BuildInfoAsync();
        var flags = await Client.FlagsAsync();

        Assert.Matches(@"^\d+\.\d+\.\d+", build.Data.Version);
        // The fixture starts Prometheus with 3650d, which Prometheus reports in its own normal form.
        Assert.Equal("10y", flags.Data["storage.tsdb.retention.time"]);
        Assert.True(build.IsComplete);
    }

    [Theory]
    [InlineData("say \"hi\"")]
    [InlineData(@"back\slash")]
    [InlineData("two\nlines")]
    [InlineData("x\"}")]
    [InlineData("x\"} or vector(2) or {y=\"")]
    [InlineData("tab\tand\rreturn")]
    [InlineData("ünïcödé ✓")]
    public async Task Hostile_label_values_reach_Prometheus_intact(string value)
    {
        // label_replace writes the quoted literal into a label: what comes back is what PromQL understood.
        var echo = await Client.QueryAsync($"label_replace(vector(1), \"echo\", {PromQl.Quote(value)}, \"\", \"\")");
        Assert.Equal(value, echo.Data.Series.Single().Label("echo"));

        // The same value in a selector is one matcher that matches nothing, not an injection.
        var selected = await Client.QueryAsync(PromQl.Selector("gen_ai_client_token_usage_input_total", LabelMatcher.Equal("feature", value)));
        Assert.Empty(selected.Data.Series);
    }

    [Fact]
    public async Task Raw_samples_read_back_from_Prometheus_match_the_generated_ground_truth_to_the_token()
    {
        var at = HistoryFixture.End;
        var window = PromQl.Duration(at - HistoryFixture.Start);
        var tokens = await Client.QueryAsync($"{PromQl.Selector("gen_ai_client_token_usage_input_total")}[{window}]", at);
        var starts = await Client.QueryAsync($"process_start_time_seconds[{window}]", at);

        var processStart = starts.Data.Series.ToDictionary(s => s.Label("instance")!, s => s.Samples);
        double StartOf(string instance, DateTimeOffset time) => processStart[instance].Last(p => p.Time <= time).Value;
        var raw = tokens.Data.Series.SelectMany(series =>
        {
            var key = string.Join(",", series.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"));
            var instance = series.Label("instance")!;
            return series.Samples.Select(s => new RawSample(key, instance, s.Time.ToUnixTimeSeconds(), s.Value, StartOf(instance, s.Time)));
        }).ToList();
        var labelsByKey = tokens.Data.Series.ToDictionary(s => string.Join(",", s.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}")), s => s.Labels);

        var read = ReferenceReader.HourlyDeltas(raw)
            .GroupBy(kv => (kv.Key.HourSeconds, labelsByKey[kv.Key.Series]["feature"], labelsByKey[kv.Key.Series]["gen_ai_request_model"]))
            .ToDictionary(g => g.Key, g => (long)g.Sum(kv => kv.Value));
        var truth = fixture.History.GroundTruth
            .Where(t => t.Key.TokenType == Family.InputTokens)
            .ToDictionary(t => (t.Key.Hour.ToUnixTimeSeconds(), t.Key.Feature, t.Key.Model), t => t.Value);

        Assert.Equal(72, truth.Keys.Select(k => k.Item1).Distinct().Count());
        Assert.Equal(truth.Count, read.Count);
        foreach (var (key, expected) in truth)
        {
            Assert.Equal(expected, read[key]);
        }
    }

    [Fact]
    public async Task A_range_query_is_aligned_to_its_step()
    {
        var start = HistoryFixture.Start.AddHours(5).AddSeconds(13);
        var window = RangeWindow.Create(start, start.AddHours(2), TimeSpan.FromMinutes(5));

        var result = await Client.QueryRangeAsync("sum(gen_ai_client_token_usage_input_total)", window);

        var times = result.Data.Series.Single().Samples.Select(s => s.Time).ToList();
        Assert.Equal(HistoryFixture.Start.AddHours(5), times[0]);
        Assert.All(times, t => Assert.Equal(0, t.ToUnixTimeSeconds() % 300));
        Assert.Equal(window.Points, times.Count);
    }

    [Fact]
    public async Task Series_labels_and_label_values_describe_the_generated_catalog()
    {
        var features = await Client.LabelValuesAsync("feature", start: HistoryFixture.Start, end: HistoryFixture.End);
        var names = await Client.LabelNamesAsync([PromQl.Selector("gen_ai_client_token_usage_output_total")], HistoryFixture.Start, HistoryFixture.End);
        var series = await Client.SeriesAsync([PromQl.Selector("gen_ai_client_requests_total", LabelMatcher.Equal("outcome", "error"))], HistoryFixture.Start, HistoryFixture.End);

        Assert.Equal(fixture.History.Catalog.Features.Select(f => f.Name).Order(StringComparer.Ordinal), features.Data.Order(StringComparer.Ordinal));
        Assert.Contains("gen_ai_request_model", names.Data);
        Assert.Contains("team", names.Data);
        Assert.NotEmpty(series.Data);
        Assert.All(series.Data, s => Assert.True(s.ContainsKey("error_type")));
    }

    [Fact]
    public async Task A_bad_query_is_a_clear_BadQuery_failure()
    {
        var ex = await Assert.ThrowsAsync<PrometheusException>(() => Client.QueryAsync("sum(rate(x[5m]"));
        Assert.Equal(PrometheusFailure.BadQuery, ex.Failure);
        Assert.Equal("bad_data", ex.ErrorType);
        Assert.Contains("parse error", ex.Message);
    }
}

public sealed class PrometheusClientNetworkTests
{
    /// <summary>A real socket that accepts connections and never answers.</summary>
    private static TcpListener SilentServer(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    [Fact]
    public async Task A_closed_port_is_reported_as_unreachable_naming_the_url_and_setting()
    {
        var port = PrometheusServer.FreePort();
        var client = Prom.Client($"http://127.0.0.1:{port}");

        var ex = await Assert.ThrowsAsync<PrometheusException>(() => client.BuildInfoAsync());

        Assert.Equal(PrometheusFailure.Unreachable, ex.Failure);
        Assert.Contains($"127.0.0.1:{port}", ex.Message);
        Assert.Contains("Prometheus:BaseUrl", ex.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_after_the_configured_seconds()
    {
        using var silent = SilentServer(out var port);
        var client = Prom.Client($"http://127.0.0.1:{port}", timeoutSeconds: 1);

        var ex = await Assert.ThrowsAsync<PrometheusException>(() => client.QueryAsync("up"));

        Assert.Equal(PrometheusFailure.Timeout, ex.Failure);
        Assert.Contains("within 1 s", ex.Message);
        Assert.Contains("Prometheus:TimeoutSeconds", ex.Message);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_dressed_up_as_a_timeout()
    {
        using var silent = SilentServer(out var port);
        var client = Prom.Client($"http://127.0.0.1:{port}", timeoutSeconds: 30);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.QueryAsync("up", cancellationToken: cancel.Token));
    }
}

public sealed class PrometheusRulesTests
{
    private const string Rules = """
        groups:
          - name: costconsole-test
            rules:
              - record: test:one
                expr: vector(1)
              - alert: AlwaysFiring
                expr: vector(1) > 0
                labels:
                  severity: page
                annotations:
                  summary: "fires at once"
        """;

    [Fact]
    public async Task Rules_and_alerts_are_read_with_state_and_annotations()
    {
        await using var prometheus = await PrometheusServer.StartAsync(ruleFiles: new Dictionary<string, string> { ["rules.yml"] = Rules });
        var client = Prom.Client(prometheus.BaseUrl);

        var rules = await client.RulesAsync();
        var group = Assert.Single(rules.Data);
        Assert.Equal("costconsole-test", group.Name);
        Assert.Equal(["test:one", "AlwaysFiring"], group.Rules.Select(r => r.Name));
        Assert.Equal(["recording", "alerting"], group.Rules.Select(r => r.Type));

        // Evaluation runs every 5 s: wait for the alert to appear rather than guessing a time.
        var alerts = await WaitUntil.ValueAsync(async () => (await client.AlertsAsync()).Data, a => a.Count > 0, TimeSpan.FromSeconds(20), "the alert to appear");

        var alert = Assert.Single(alerts);
        Assert.Equal("firing", alert.State);
        Assert.Equal("AlwaysFiring", alert.Labels["alertname"]);
        Assert.Equal("fires at once", alert.Annotations["summary"]);
        Assert.NotNull(alert.ActiveAt);
    }

    [Fact]
    public async Task The_server_stops_and_leaves_no_process_or_folder_behind()
    {
        var prometheus = await PrometheusServer.StartAsync();
        var folder = Path.GetDirectoryName(prometheus.DataFolder)!;
        var url = prometheus.BaseUrl;

        await prometheus.DisposeAsync();

        Assert.True(prometheus.HasExited);
        Assert.False(Directory.Exists(folder));
        var ex = await Assert.ThrowsAsync<PrometheusException>(() => Prom.Client(url).BuildInfoAsync());
        Assert.Equal(PrometheusFailure.Unreachable, ex.Failure);
    }
}
