using CostConsole.Data;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Ledger;

/// <summary>Keeps the ledger following Prometheus: catches up at start, then each closed hour. Never blocks a page.</summary>
public sealed class LedgerBackgroundService(
    IServiceProvider services,
    LedgerStatus status,
    DatabaseStatus database,
    IOptions<LedgerOptions> options,
    TimeProvider time,
    ILogger<LedgerBackgroundService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !database.Ready)
        {
            logger.LogInformation("Background ledger ingestion is off ({Reason})", !database.Ready ? "the database is not ready" : "Ledger:Enabled is false");
            return;
        }

        // Resolved only now: with a broken database configuration the ingestor cannot even be built.
        var ingestor = services.GetRequiredService<LedgerIngestor>();
        status.Known(await ingestor.ThroughAsync(stoppingToken));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ingestor.SyncAsync(time.GetUtcNow(), cancellationToken: stoppingToken);
            }
            catch (Exception ex) when (ex is PrometheusException or IncompleteAnswerException)
            {
                logger.LogWarning("Ledger ingestion paused: {Error}", ex.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(options.Value.PollSeconds), time, stoppingToken);
        }
    }
}
