using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CostConsole.Workload;

/// <summary>
/// Many series, plainly: every combination of pod × model × feature × user (a <c>user_id</c>-like label, the
/// cardinality pitfall of real deployments) for input, cached input and output, each a counter that grows every
/// scrape by an amount fixed by its identity and the step. No restarts, no gaps: this history measures scale, and
/// its ground truth is exact by construction (printed as the total input tokens per day).
/// Written as OpenMetrics, one file per family and day, series by series, as promtool reads them.
/// </summary>
internal static class WideHistory
{
    private static readonly string[] Models = ["gpt-4o-2024-11-20", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-pro", "gpt-4.1", "o3-mini"];
    private static readonly string[] Teams = ["search", "support", "growth", "platform", "risk", "data"];
    private static readonly (string Name, int Rate)[] Families =
    [
        ("gen_ai_client_token_usage_input_total", 1000), ("gen_ai_client_token_usage_cached_input_total", 300), ("gen_ai_client_token_usage_output_total", 150),
    ];

    public static int Run(Dictionary<string, string> options)
    {
        var outDir = options.GetValueOrDefault("out") ?? throw new ArgumentException("wide needs --out DIR");
        var days = WorkloadCli.Int(options, "days", 3);
        var end = options.TryGetValue("end", out var e) ? WorkloadCli.ParseTime(e, "--end") : WorkloadCli.Floor(DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        var start = end.AddDays(-days);
        var step = WorkloadCli.Int(options, "scrape", 60);
        var pods = WorkloadCli.Int(options, "pods", 5);
        var models = Math.Min(Models.Length, WorkloadCli.Int(options, "models", 4));
        var features = WorkloadCli.Int(options, "features", 280);
        var users = WorkloadCli.Int(options, "users", 3);
        Directory.CreateDirectory(outDir);
        var clock = Stopwatch.StartNew();
        long samples = 0;
        var inputByDay = new long[days];
        var labelSets = pods * models * features * users;
        // One file per day and family, written in parallel: each is independent (a series' baseline is its value at
        // the day's start, known in closed form).
        var files = Enumerable.Range(0, days).SelectMany(day => Families.Select((family, f) => (day, f))).ToList();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
        {
            var (day, f) = item;
            var (name, rate) = Families[f];
            var path = Path.Combine(outDir, $"wide-{day:D3}-{f}.om");
            using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
            writer.Write($"# TYPE {name[..^"_total".Length]} counter\n");
            var first = day * 86400 / step; // the index of the day's first scrape
            var last = (day + 1) * 86400 / step;
            long written = 0, input = 0;
            var line = new StringBuilder(256);
            for (var s = 0; s < labelSets; s++)
            {
                var (pod, rest) = (s % pods, s / pods);
                var (model, rest2) = (rest % models, rest / models);
                var (feature, user) = (rest2 % features, rest2 / features);
                var labels = $"{name}{{job=\"llm-app\",instance=\"pod-{pod}\",gen_ai_request_model=\"{Models[model]}\",gen_ai_provider_name=\"bench\",gen_ai_operation_name=\"chat\",feature=\"feature-{feature:D4}\",team=\"{Teams[feature % Teams.Length]}\",user_id=\"user-{user:D5}\"}} ";
                // Grows by (s mod 7 + 1) × rate per scrape: the value at scrape k is k × that.
                var perScrape = (long)(s % 7 + 1) * rate;
                for (var k = first; k < last; k++)
                {
                    line.Clear().Append(labels).Append((k + 1) * perScrape).Append(' ').Append(start.ToUnixTimeSeconds() + (long)k * step).Append('\n');
                    writer.Write(line);
                }

                written += last - first;
                if (f == 0) input += (last - first) * perScrape;
            }

            writer.Write("# EOF\n");
            Interlocked.Add(ref samples, written);
            if (f == 0) Interlocked.Add(ref inputByDay[day], input);
        });

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {samples:N0} samples of {labelSets * Families.Length:N0} series ({pods} pods x {models} models x {features} features x {users} users x {Families.Length} families) from {start:yyyy-MM-ddTHH:mm}Z to {end:yyyy-MM-ddTHH:mm}Z in {clock.Elapsed.TotalSeconds:0.0} s"));
        // The first scrape counts from zero (a new series), so each day's input is exactly what it adds.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Input tokens: {inputByDay.Sum()}"));
        return 0;
    }
}
