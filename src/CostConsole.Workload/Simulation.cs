using System.Text;

namespace CostConsole.Workload;

public enum Family
{
    InputTokens,
    OutputTokens,
    CachedInputTokens,
    Requests,
    ProcessStart,
    /// <summary>Input tokens written to the provider's prompt cache (a subset of input).</summary>
    CacheWriteTokens,
    /// <summary>Bifrost's 5-minute-TTL share of the cache writes: a subset of them, never to be added.</summary>
    CacheWrite5mTokens,
    /// <summary>The OTel exporters' resource gauge (value 1).</summary>
    TargetInfo,
    /// <summary>Prometheus' own up series, one per scrape of a target (written by the backfill, not exposed).</summary>
    Up,
    /// <summary>A gateway's own USD counter (bifrost_cost_total, litellm_spend_metric_total).</summary>
    GatewayCost,
}

/// <summary>One counter series on one pod. Its value starts at zero when the series first appears.</summary>
public sealed class CounterSeries(Family family, string labels, string model, string feature, string team)
{
    public Family Family { get; } = family;
    public string Labels { get; } = labels;
    public string Model { get; } = model;
    public string Feature { get; } = feature;
    public string Team { get; } = team;
    /// <summary>The counter's value, a gauge's value, or a histogram's sum.</summary>
    public long Value { get; set; }
    public long Scraped { get; set; }

    /// <summary>When the series was created (Unix seconds), for exporters that say so.</summary>
    public double Created { get; set; }

    /// <summary>A fractional counter's value (a gateway's USD).</summary>
    public double Amount { get; set; }

    /// <summary>A histogram's observation count, and per bucket (not cumulative) how many observations fell in it.</summary>
    public long Count { get; set; }
    public long[]? Buckets { get; set; }

    public void Observe(long value)
    {
        Value += value;
        Count++;
        Buckets ??= new long[MetricShape.DefaultBuckets.Length];
        var bucket = Array.FindIndex(MetricShape.DefaultBuckets, b => value <= b);
        if (bucket >= 0) Buckets[bucket]++;
    }
}

/// <summary>A running application pod. It is scraped at a fixed offset within each scrape interval.</summary>
public sealed class Pod(string name, string team, TimeSpan offset, DateTimeOffset startedAt, DateTimeOffset stopAt)
{
    public string Name { get; set; } = name;
    public string Team { get; } = team;
    public TimeSpan ScrapeOffset { get; } = offset;
    public DateTimeOffset StartedAt { get; set; } = startedAt;
    public DateTimeOffset StopAt { get; set; } = stopAt;
    /// <summary>The pod's series, one per distinct family and label set.</summary>
    public Dictionary<(Family, string), CounterSeries> Series { get; } = [];

    /// <summary>Which series a (family, model, feature, outcome, error type) counts into: shapes without a feature label merge features.</summary>
    public Dictionary<(Family, string, string, string, string), CounterSeries> Lookup { get; } = [];

    /// <summary>Tokens counted since the pod's last scrape, by what they were for: ground truth at the next scrape.</summary>
    public Dictionary<(string Model, string Feature, Family Type), long> Pending { get; } = [];

    /// <summary>The gateway's cost of those requests (USD), by model and feature.</summary>
    public Dictionary<(string Model, string Feature), decimal> PendingCost { get; } = [];
    public int Generation { get; set; }
}

public readonly record struct TruthKey(DateTimeOffset Hour, string Model, string Feature, string Team, Family TokenType);

/// <summary>
/// Simulates LLM traffic from a catalog of features, pod by pod and scrape by scrape. Requests made between two
/// scrapes of a pod become visible at the second; ground truth attributes them to the hour of that scrape.
/// A pod stops right after a scrape, so its last scrape carries everything it counted.
/// </summary>
public sealed class Simulation
{
    public const string Job = "llm-app";

    private readonly WorkloadSettings _settings;
    private readonly Random _random;
    private readonly double _totalWeight;
    private readonly Dictionary<string, FeatureSpec[]> _featuresByTeam;
    private readonly string? _spikeFeature;
    private long _nextScrapeIndex;
    private DateTimeOffset _clock;

    public Simulation(WorkloadSettings settings)
    {
        // Without a start-time metric the shape has no such family (not even an empty one).
        _settings = settings.StartTimeMetric ? settings : settings with { Shape = settings.Shape with { Metrics = settings.Shape.Metrics.Where(m => m.Key != Family.ProcessStart).ToDictionary() } };
        _random = new Random(settings.Seed);
        Catalog = Catalog.Create(settings.Seed, settings.FeatureCount);
        _totalWeight = Catalog.Features.Sum(f => f.Weight);
        _featuresByTeam = Catalog.Features.GroupBy(f => f.Team).ToDictionary(g => g.Key, g => g.ToArray());
        _spikeFeature = settings.SpikeDay is null ? null : settings.SpikeFeature ?? Catalog.Features[Math.Min(8, Catalog.Features.Count - 1)].Name;
        foreach (var team in _featuresByTeam.Keys)
        {
            for (var slot = 0; slot < settings.PodsPerTeam; slot++)
            {
                // Offsets avoid the minute's first second, so no sample ever sits exactly on an hour boundary.
                var offset = TimeSpan.FromSeconds(1 + _random.Next((int)settings.ScrapeInterval.TotalSeconds - 1));
                var pod = new Pod("", team, offset, settings.Start, settings.Start);
                StartGeneration(pod, settings.Start, replace: true);
                Pods.Add(pod);
            }
        }
    }

    public Catalog Catalog { get; }

    /// <summary>The shape written, as the settings narrowed it.</summary>
    public MetricShape Shape => _settings.Shape;
    public List<Pod> Pods { get; } = [];
    public Dictionary<TruthKey, long> GroundTruth { get; } = [];

    /// <summary>The gateway's own cost (USD) per hour, model, feature and team, for shapes with a cost counter.</summary>
    public Dictionary<TruthKey, decimal> GatewayCostTruth { get; } = [];
    public long Requests { get; private set; }
    public long Restarts { get; private set; }
    public long Replacements { get; private set; }
    public string? SpikeFeature => _spikeFeature;

    /// <summary>Time of the next scrape round (all pods' scrapes within one interval).</summary>
    public DateTimeOffset NextRoundStart => _settings.Start + _settings.ScrapeInterval * _nextScrapeIndex;

    /// <summary>Runs every scrape round that starts before <paramref name="until"/>; calls <paramref name="onScrape"/> for each pod scrape.</summary>
    public void AdvanceTo(DateTimeOffset until, Action<Pod, DateTimeOffset>? onScrape = null)
    {
        while (NextRoundStart < until)
        {
            var roundStart = NextRoundStart;
            _nextScrapeIndex++;
            foreach (var pod in Pods)
            {
                var scrapeAt = roundStart + pod.ScrapeOffset;
                _clock = scrapeAt;
                GenerateRequests(pod, scrapeAt);
                Scrape(pod, scrapeAt, onScrape);
                if (scrapeAt >= pod.StopAt)
                {
                    var inPlace = _random.NextDouble() < _settings.RestartInPlaceShare;
                    StartGeneration(pod, scrapeAt, replace: !inPlace);
                }
            }
        }
    }

    private void StartGeneration(Pod pod, DateTimeOffset at, bool replace)
    {
        if (replace)
        {
            pod.Generation++;
            pod.Name = $"{pod.Team}-api-{_random.Next(0x10000):x4}{_random.Next(0x10000):x4}";
            if (pod.Generation > 1) Replacements++;
        }
        else
        {
            Restarts++;
        }

        // Series of a restarted process vanish and re-appear with their first request, counting from zero.
        pod.Series.Clear();
        pod.Lookup.Clear();
        pod.StartedAt = at;
        _clock = at;
        var hours = _settings.MinPodLifetimeHours + _random.NextDouble() * (_settings.MaxPodLifetimeHours - _settings.MinPodLifetimeHours);
        pod.StopAt = at + TimeSpan.FromHours(hours);
        if (_settings.Shape.Metrics.ContainsKey(Family.ProcessStart))
        {
            Series(pod, Family.ProcessStart, "", "", "", "").Value = at.ToUnixTimeSeconds();
        }

        if (_settings.Shape.Metrics.ContainsKey(Family.TargetInfo))
        {
            Series(pod, Family.TargetInfo, "", "", "", "").Value = 1;
        }
    }

    private void Scrape(Pod pod, DateTimeOffset at, Action<Pod, DateTimeOffset>? onScrape)
    {
        var hour = new DateTimeOffset(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
        foreach (var ((model, feature, type), tokens) in pod.Pending)
        {
            var key = new TruthKey(hour, model, feature, pod.Team, type);
            GroundTruth[key] = GroundTruth.GetValueOrDefault(key) + tokens;
        }

        pod.Pending.Clear();
        foreach (var ((model, feature), cost) in pod.PendingCost)
        {
            var key = new TruthKey(hour, model, feature, pod.Team, Family.GatewayCost);
            GatewayCostTruth[key] = GatewayCostTruth.GetValueOrDefault(key) + cost;
        }

        pod.PendingCost.Clear();
        foreach (var series in pod.Series.Values)
        {
            series.Scraped = series.Value;
        }

        onScrape?.Invoke(pod, at);
    }

    private void GenerateRequests(Pod pod, DateTimeOffset scrapeAt)
    {
        var minutes = _settings.ScrapeInterval.TotalMinutes;
        var load = LoadFactor(scrapeAt);
        foreach (var feature in _featuresByTeam[pod.Team])
        {
            var spike = IsSpike(feature, scrapeAt);
            var lambda = _settings.RequestsPerMinute * minutes * load * (feature.Weight / _totalWeight) / _settings.PodsPerTeam
                         * (spike ? _settings.SpikeMultiplier : 1);
            var count = Poisson(lambda);
            for (var i = 0; i < count; i++)
            {
                Request(pod, feature, spike);
            }
        }
    }

    private void Request(Pod pod, FeatureSpec feature, bool spike)
    {
        Requests++;
        var model = feature.Models.Count == 1 ? feature.Models[0].Model : feature.Models[Catalog.Pick(_random, [.. feature.Models.Select(m => m.Share)])].Model;
        var failed = _random.NextDouble() < _settings.ErrorRate;
        var errorType = failed ? (_random.NextDouble() switch { < 0.5 => "rate_limit", < 0.8 => "timeout", _ => "server_error" }) : "";
        var input = (long)Math.Max(1, Math.Round(feature.MedianInputTokens * LogNormal(0.5) * (spike ? 1.5 : 1)));
        var output = feature.MedianOutputTokens <= 0 ? 0 : (long)Math.Max(1, Math.Round(feature.MedianOutputTokens * LogNormal(0.6)));
        if (failed)
        {
            // Billed anyway: the prompt was read; a timeout may have streamed part of the answer.
            output = errorType == "timeout" ? output / 2 : 0;
        }

        var cached = feature.CachedFraction > 0 ? (long)Math.Floor(input * feature.CachedFraction * (0.8 + 0.2 * _random.NextDouble())) : 0;
        long written = 0;
        // Only shapes that count cache writes draw for them, so other shapes keep their traffic draw for draw.
        if (cached > 0 && _settings.Shape.Metrics.ContainsKey(Family.CacheWriteTokens) && _random.NextDouble() < 0.15)
        {
            // A request that fills the cache: its prefix is written, not read.
            (written, cached) = (cached, 0);
        }

        void Count(Family type, long tokens)
        {
            if (tokens > 0) pod.Pending[(model.Name, feature.Name, type)] = pod.Pending.GetValueOrDefault((model.Name, feature.Name, type)) + tokens;
        }

        void Add(Family family, long tokens)
        {
            if (tokens <= 0 || !_settings.Shape.Metrics.ContainsKey(family)) return;
            var series = Series(pod, family, model.Name, feature.Name, model.Provider, model.Operation);
            if (_settings.Shape.IsHistogram(family)) series.Observe(tokens);
            else series.Value += tokens;
        }

        Count(Family.InputTokens, input);
        Count(Family.OutputTokens, output);
        Count(Family.CachedInputTokens, cached);
        Count(Family.CacheWriteTokens, written);
        Add(Family.InputTokens, input);
        Add(Family.OutputTokens, output);
        Add(Family.CachedInputTokens, cached);
        Add(Family.CacheWriteTokens, written);
        if (model.Provider == "anthropic") Add(Family.CacheWrite5mTokens, written);
        if (_settings.Shape.Metrics.ContainsKey(Family.GatewayCost) && _settings.GatewayPrices.TryGetValue(model.Name, out var price))
        {
            // The gateway's own bill for the request: reads and writes out of input, each at its price.
            var cost = ((input - cached - written) * price.Input + cached * price.CacheRead + written * price.CacheWrite + output * price.Output) / 1_000_000m;
            pod.PendingCost[(model.Name, feature.Name)] = pod.PendingCost.GetValueOrDefault((model.Name, feature.Name)) + cost;
            Series(pod, Family.GatewayCost, model.Name, feature.Name, model.Provider, model.Operation).Amount += (double)cost;
        }
        if (_settings.Shape.Metrics.ContainsKey(Family.Requests)) Count(Family.Requests, 1);
        if (_settings.Shape.Metrics.ContainsKey(Family.Requests)) Series(pod, Family.Requests, model.Name, feature.Name, model.Provider, model.Operation, failed ? "error" : "success", errorType).Value++;
    }

    private CounterSeries Series(Pod pod, Family family, string model, string feature, string provider, string operation, string outcome = "", string errorType = "")
    {
        var key = (family, model, feature, outcome, errorType);
        if (pod.Lookup.TryGetValue(key, out var series))
        {
            return series;
        }

        var shape = _settings.Shape;
        var labels = new StringBuilder();
        labels.Append("{job=\"").Append(Job).Append("\",instance=\"").Append(pod.Name).Append(":9464\"");
        void Add(string label, string value) => labels.Append(',').Append(label).Append("=\"").Append(value).Append('"');
        if (family == Family.TargetInfo)
        {
            foreach (var (label, value) in shape.TargetInfo ?? []) Add(label, value);
            // The OTel SDK sets service.instance.id only when told to; the seed's processes do, one id per process.
            if (_settings.InstanceId) Add("service_instance_id", $"{pod.Name}-{pod.StartedAt.ToUnixTimeSeconds()}");
        }
        else if (family != Family.ProcessStart)
        {
            var facts = new SeriesFacts(model, provider, operation, feature, pod.Team, outcome, errorType);
            foreach (var label in shape.Labels)
            {
                if (!label.On(family)) continue;
                if (label.Team && !_settings.TeamLabel)
                {
                    if (shape.MissingValue is { } missing) Add(label.Name, missing);
                    continue;
                }

                // Like the seed's exporter, leave out a request label that has no value (error_type on a success).
                var value = label.Value(facts);
                if (label.RequestsOnly && value.Length == 0 && shape.MissingValue is null) continue;
                Add(label.Name, value);
            }

            labels.Append(shape.Metrics[family].ExtraLabels);
        }

        labels.Append('}');
        var text = labels.ToString();
        if (!pod.Series.TryGetValue((family, text), out series))
        {
            series = new CounterSeries(family, text, model, feature, pod.Team) { Created = _clock.ToUnixTimeMilliseconds() / 1000.0 };
            pod.Series[(family, text)] = series;
        }

        pod.Lookup[key] = series;
        return series;
    }

    private bool IsSpike(FeatureSpec feature, DateTimeOffset at) =>
        _settings.SpikeDay is { } day && feature.Name == _spikeFeature && at >= day && at < day.AddDays(1);

    /// <summary>Diurnal (peak mid-afternoon UTC) and weekly (quiet weekends) cycles.</summary>
    public static double LoadFactor(DateTimeOffset at)
    {
        var hour = at.UtcDateTime.TimeOfDay.TotalHours;
        var diurnal = 0.15 + 0.85 * Math.Exp(-Math.Pow(hour - 14, 2) / (2 * 4.0 * 4.0));
        var weekly = at.UtcDateTime.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.35 : 1.0;
        return diurnal * weekly;
    }

    private double LogNormal(double sigma)
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return Math.Exp(sigma * normal);
    }

    private int Poisson(double lambda)
    {
        if (lambda <= 0) return 0;
        if (lambda > 30)
        {
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            var normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            return Math.Max(0, (int)Math.Round(lambda + Math.Sqrt(lambda) * normal));
        }

        var limit = Math.Exp(-lambda);
        var k = 0;
        var p = 1.0;
        do
        {
            k++;
            p *= _random.NextDouble();
        }
        while (p > limit);
        return k - 1;
    }
}
