using CostConsole.Features.Metrics;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.DataSource;

/// <summary>What the home page tells about the configured Prometheus. Problem is set whenever a figure could not be read.</summary>
public sealed record PrometheusProbeReport(
    string BaseUrl,
    string ProfileName,
    DateTimeOffset CheckedUtc,
    string? Version,
    string? Retention,
    IReadOnlyList<MetricPresence> Metrics,
    IReadOnlyList<string> Warnings,
    string? Problem)
{
    public bool Reachable => Version is not null;
    public bool AllMetricsFound => Metrics.Count > 0 && Metrics.All(m => m.Found);
}

/// <summary>
/// Reads Prometheus' version, retention and metric names. The report is cached briefly and shared:
/// many people opening the home page at once cause one round of calls.
/// </summary>
public sealed class PrometheusProbe(PrometheusClient client, IOptions<PrometheusOptions> options, TimeProvider time, ILogger<PrometheusProbe> logger)
{
    private readonly SharedReading<PrometheusProbeReport> _shared = new(time, TimeSpan.FromSeconds(20), report => report.CheckedUtc);

    public Task<PrometheusProbeReport> GetAsync(bool refresh = false, CancellationToken cancellationToken = default) =>
        _shared.GetAsync(ReadAsync, refresh, cancellationToken);

    private async Task<PrometheusProbeReport> ReadAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var profile = settings.ActiveProfile();
        List<string> warnings = [];
        string? version = null, retention = null;
        IReadOnlyList<MetricPresence> metrics = [];
        try
        {
            var build = await client.BuildInfoAsync(cancellationToken);
            version = build.Data.Version;
            warnings.AddRange(build.Warnings);

            try
            {
                var flags = await client.FlagsAsync(cancellationToken);
                retention = DescribeRetention(flags.Data);
            }
            catch (PrometheusException ex) when (ex.Failure is PrometheusFailure.NotFound or PrometheusFailure.BadQuery)
            {
                // Thanos, Mimir and VictoriaMetrics do not all serve /status/flags.
                warnings.Add("This server does not report its retention (/api/v1/status/flags): the console cannot tell how far back it reaches.");
            }

            var names = await client.LabelValuesAsync("__name__", cancellationToken: cancellationToken);
            warnings.AddRange(names.Warnings);
            metrics = MetricCheck.Check(profile, [.. names.Data]);
            return new PrometheusProbeReport(settings.BaseUrl, profile.Name, time.GetUtcNow(), version, retention, metrics, warnings, null);
        }
        catch (PrometheusException ex)
        {
            logger.LogWarning("Prometheus status check failed: {Failure}: {Message}", ex.Failure, ex.Message);
            return new PrometheusProbeReport(settings.BaseUrl, profile.Name, time.GetUtcNow(), version, retention, metrics, warnings, ex.Message);
        }
    }

    internal static string DescribeRetention(IReadOnlyDictionary<string, string> flags)
    {
        var time = flags.GetValueOrDefault("storage.tsdb.retention.time");
        var size = flags.GetValueOrDefault("storage.tsdb.retention.size");
        List<string> parts = [];
        if (!string.IsNullOrEmpty(time) && time != "0s")
        {
            parts.Add(time);
        }

        if (!string.IsNullOrEmpty(size) && size != "0B")
        {
            parts.Add($"at most {size}");
        }

        return parts.Count > 0 ? string.Join(", ", parts) : "15d (the Prometheus default)";
    }
}

public static class DataSourceSetup
{
    public static IServiceCollection AddCostConsoleDataSource(this IServiceCollection services) =>
        services.AddSingleton<PrometheusProbe>();
}
