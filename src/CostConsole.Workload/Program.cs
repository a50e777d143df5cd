using System.Diagnostics;
using System.Globalization;

// costconsole-workload: synthetic LLM traffic with the otel-seed metric names.
//   history --out DIR [--days 45] [--end ISO] ...   OpenMetrics history + ground-truth CSV
//   serve   --port 9464 [--tick 5] ...              live counters on /metrics
//   wide    --out DIR [--days 3] [--pods 5] [--models 4] [--features 280] [--users 3]   many series, for scale benchmarks
namespace CostConsole.Workload;

internal static class WorkloadProgram
{
    public static async Task<int> Main(string[] args)
    {
        var command = args.FirstOrDefault();
        var options = WorkloadCli.Parse(args.Skip(1));
        try
        {
            return command switch
            {
                "history" => WorkloadCli.History(options),
                "serve" => await WorkloadCli.ServeAsync(options),
                "wide" => WideHistory.Run(options),
                _ => WorkloadCli.Usage(),
            };
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
    }
}

internal static class WorkloadCli
{
    public static Dictionary<string, string> Parse(IEnumerable<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null) options[pending] = "true";
                pending = arg[2..];
            }
            else if (pending is not null)
            {
                options[pending] = arg;
                pending = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
        }

        if (pending is not null) options[pending] = "true";
        return options;
    }

    public static WorkloadSettings Settings(Dictionary<string, string> options, DateTimeOffset start, TimeSpan duration)
    {
        var spike = options.GetValueOrDefault("spike-day");
        DateTimeOffset? spikeDay = spike switch
        {
            "none" => null,
            null => duration >= TimeSpan.FromDays(7)
                ? Floor(start + duration, TimeSpan.FromDays(1)).AddDays(-5)
                : Floor(start + duration / 2, TimeSpan.FromDays(1)),
            _ => Floor(ParseTime(spike, "--spike-day"), TimeSpan.FromDays(1)),
        };
        return new WorkloadSettings
        {
            Seed = Int(options, "seed", 42),
            Start = start,
            ScrapeInterval = TimeSpan.FromSeconds(Int(options, "scrape", 60)),
            FeatureCount = Int(options, "features", 30),
            PodsPerTeam = Int(options, "pods-per-team", 2),
            RequestsPerMinute = Double(options, "rpm", 40),
            TeamLabel = !options.ContainsKey("no-team-label"),
            StartTimeMetric = !options.ContainsKey("no-start-time"),
            InstanceId = !options.ContainsKey("no-instance-id"),
            SpikeDay = spikeDay,
            SpikeFeature = options.GetValueOrDefault("spike-feature"),
            Shape = MetricShape.Named(options.GetValueOrDefault("shape") ?? MetricShape.OtelSeed.Name),
        };
    }

    public static int History(Dictionary<string, string> options)
    {
        var outDir = options.GetValueOrDefault("out") ?? throw new ArgumentException("history needs --out DIR");
        var days = Double(options, "days", 45);
        var end = options.TryGetValue("end", out var e) ? ParseTime(e, "--end") : Floor(DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        var start = Floor(end - TimeSpan.FromDays(days), TimeSpan.FromHours(1));
        var settings = Settings(options, start, end - start);
        Directory.CreateDirectory(outDir);
        var clock = Stopwatch.StartNew();
        var historyPath = Path.Combine(outDir, "history.om");
        TimeSpan? span = options.TryGetValue("split-days", out var splitDays) ? TimeSpan.FromDays(Double(options, "split-days", 7)) : null;
        var shape = options.ContainsKey("no-requests")
            ? settings.Shape with { Metrics = settings.Shape.Metrics.Where(m => m.Key != Family.Requests).ToDictionary() }
            : settings.Shape;
        settings = settings with { Shape = shape };
        var simulation = new Simulation(settings);
        using (var writer = new OpenMetricsWriter(historyPath, separateFiles: options.ContainsKey("split") || span is not null, simulation.Shape, span, up: true))
        {
            simulation.AdvanceTo(end, writer.WriteScrape);
            var files = writer.Complete();
            var truthPath = Path.Combine(outDir, "truth.csv");
            GroundTruthCsv.Write(truthPath, simulation.GroundTruth);
            var series = simulation.Pods.Sum(p => p.Series.Count);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {writer.Samples:N0} samples from {start:yyyy-MM-ddTHH:mm}Z to {end:yyyy-MM-ddTHH:mm}Z ({simulation.Requests:N0} requests, {simulation.Catalog.Features.Count} features, {simulation.Restarts} restarts in place, {simulation.Replacements} pod replacements, spike: {simulation.SpikeFeature ?? "none"} on {settings.SpikeDay:yyyy-MM-dd}) in {clock.Elapsed.TotalSeconds:0.0} s"));
            foreach (var file in files.Append(truthPath))
            {
                Console.WriteLine($"  {file}");
            }
        }

        return 0;
    }

    public static async Task<int> ServeAsync(Dictionary<string, string> options)
    {
        var port = Int(options, "port", 9464);
        var tick = TimeSpan.FromSeconds(Int(options, "tick", 5));
        var start = Floor(DateTimeOffset.UtcNow, tick);
        var settings = Settings(options, start, TimeSpan.FromDays(1)) with { ScrapeInterval = tick, SpikeDay = null };
        var simulation = new Simulation(settings);
        var gate = new Lock();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/metrics", () =>
        {
            lock (gate)
            {
                simulation.AdvanceTo(DateTimeOffset.UtcNow);
                return Results.Text(Exposition.RenderText(simulation.Pods, simulation.Shape), "text/plain; version=0.0.4; charset=utf-8");
            }
        });
        app.MapGet("/", () => "costconsole-workload: live counters on /metrics");
        Console.WriteLine($"Serving live counters on http://127.0.0.1:{port}/metrics (seed {settings.Seed})");
        await app.RunAsync();
        return 0;
    }

    public static int Usage()
    {
        Console.Error.WriteLine("""
            usage:
              costconsole-workload history --out DIR [--days 45] [--end ISO] [--seed 42] [--scrape 60] [--features 30]
                                   [--pods-per-team 2] [--rpm 40] [--no-team-label] [--spike-day ISO|none] [--spike-feature NAME]
                                   [--split]  (one OpenMetrics file per metric family, for parallel backfill)
                                   [--shape otel-seed|otel-genai-histogram|bifrost|litellm] [--split-days N] [--no-requests]
                                   [--no-start-time] [--no-instance-id]  (restart signals: no process_start_time_seconds; no service_instance_id)
              costconsole-workload serve [--port 9464] [--tick 5] [--seed 42] [--pods-per-team 2] [--rpm 40]
            """);
        return 2;
    }

    internal static int Int(Dictionary<string, string> options, string name, int fallback) =>
        !options.TryGetValue(name, out var text) ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value
        : throw new ArgumentException($"--{name} must be a positive whole number (was '{text}')");

    private static double Double(Dictionary<string, string> options, string name, double fallback) =>
        !options.TryGetValue(name, out var text) ? fallback
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 ? value
        : throw new ArgumentException($"--{name} must be a positive number (was '{text}')");

    internal static DateTimeOffset ParseTime(string text, string name) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new ArgumentException($"{name} must be an ISO 8601 time (was '{text}')");

    public static DateTimeOffset Floor(DateTimeOffset time, TimeSpan step) =>
        new(time.UtcTicks - time.UtcTicks % step.Ticks, TimeSpan.Zero);
}
