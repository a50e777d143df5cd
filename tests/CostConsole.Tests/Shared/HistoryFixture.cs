using CostConsole.Workload;

namespace CostConsole.Tests.Shared;

/// <summary>
/// One Prometheus with three days of generated history, shared by the integration tests of a collection.
/// Small on purpose (12 features, one pod per team): big datasets belong in benchmarks.
/// </summary>
public sealed class HistoryFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset End = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Start = End.AddDays(-3);

    public static WorkloadSettings Settings { get; } = new()
    {
        Seed = 2026,
        Start = Start,
        FeatureCount = 12,
        PodsPerTeam = 1,
        MinPodLifetimeHours = 8,
        MaxPodLifetimeHours = 30,
        SpikeDay = Start.AddDays(1),
    };

    public PrometheusServer Prometheus { get; private set; } = null!;

    public Simulation History => Prometheus.History!;

    /// <summary>The whole history ingested once, for tests that read the ledger rather than test its ingestion.</summary>
    public FilledLedger Ledger { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Prometheus = await PrometheusServer.StartAsync(Settings, End);
        Ledger = new FilledLedger(Prometheus.BaseUrl, Start, End);
    }

    public async Task DisposeAsync()
    {
        if (Ledger is not null)
        {
            await Ledger.DisposeAsync();
        }

        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PrometheusCollection : ICollectionFixture<HistoryFixture>
{
    public const string Name = "real Prometheus with history";
}
