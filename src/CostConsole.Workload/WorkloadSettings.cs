namespace CostConsole.Workload;

public sealed record WorkloadSettings
{
    public int Seed { get; init; } = 42;
    public DateTimeOffset Start { get; init; }
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(60);
    public int FeatureCount { get; init; } = 30;
    public int PodsPerTeam { get; init; } = 2;

    /// <summary>Average requests per minute across the organisation at the daily peak on a weekday.</summary>
    public double RequestsPerMinute { get; init; } = 40;

    public double ErrorRate { get; init; } = 0.02;

    /// <summary>Whether token series carry a <c>team</c> label (otherwise team comes from feature ownership).</summary>
    public bool TeamLabel { get; init; } = true;

    public double MinPodLifetimeHours { get; init; } = 12;
    public double MaxPodLifetimeHours { get; init; } = 48;

    /// <summary>Share of pod stops that are container restarts in place (same series, counters reset) rather than replacements.</summary>
    public double RestartInPlaceShare { get; init; } = 0.4;

    /// <summary>The UTC day (start of day) of the runaway spike, or null for none.</summary>
    public DateTimeOffset? SpikeDay { get; init; }

    /// <summary>The feature that runs away on the spike day (default: a mid-tail feature).</summary>
    public string? SpikeFeature { get; init; }

    public double SpikeMultiplier { get; init; } = 12;

    /// <summary>
    /// Whether targets expose process_start_time_seconds. Off emulates exporters without one (the OTel JavaScript
    /// SDK's Prometheus exporter): then only target_info's service_instance_id and gaps tell a restart.
    /// </summary>
    public bool StartTimeMetric { get; init; } = true;

    /// <summary>Whether target_info (where the shape has one) carries a per-process service_instance_id.</summary>
    public bool InstanceId { get; init; } = true;

    /// <summary>
    /// The prices a gateway's own cost counter uses (USD per 1M input, output, cache-read and cache-write tokens):
    /// list prices by default. A model missing here costs the gateway nothing, as a gateway without a price does.
    /// </summary>
    public IReadOnlyDictionary<string, (decimal Input, decimal Output, decimal CacheRead, decimal CacheWrite)> GatewayPrices { get; init; } = ListPrices;

    public static readonly IReadOnlyDictionary<string, (decimal Input, decimal Output, decimal CacheRead, decimal CacheWrite)> ListPrices =
        new Dictionary<string, (decimal, decimal, decimal, decimal)>
        {
            ["gpt-4o-2024-11-20"] = (2.50m, 10.00m, 1.25m, 2.50m),
            ["gpt-4o-mini"] = (0.15m, 0.60m, 0.075m, 0.15m),
            ["claude-3-5-sonnet-20241022"] = (3.00m, 15.00m, 0.30m, 3.75m),
            ["claude-3-5-haiku-20241022"] = (0.80m, 4.00m, 0.08m, 1.00m),
            ["gemini-1.5-flash"] = (0.075m, 0.30m, 0.01875m, 0.075m),
            ["text-embedding-3-small"] = (0.02m, 0m, 0.02m, 0.02m),
        };

    /// <summary>Which exporter's metric names and labels to write (the traffic is the same).</summary>
    public MetricShape Shape { get; init; } = MetricShape.OtelSeed;
}
