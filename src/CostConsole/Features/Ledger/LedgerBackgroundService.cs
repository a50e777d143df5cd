using CostConsole.Data;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Ledger;

/// <summary>
/// Keeps the ledger following Prometheus: catches up at start, then each closed hour. Never blocks a page, and never
/// stops the app: any failure (Prometheus down, the database locked or full, a malformed answer) is recorded on the
/// ledger status (Sources, /readyz), retried with a growing pause, and the missed hours are caught up afterwards.
/// </summary>
public sealed class LedgerBackgroundService(
    IServiceProvider services,
    LedgerStatus status,
    LedgerLease lease,
    DatabaseStatus database,
    IOptions<LedgerOptions> options,
    TimeProvider time,
    ILogger<LedgerBackgroundService> logger) : BackgroundService
{
    /// <summary>The longest pause between attempts while failing.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !database.Ready)
        {
            logger.LogInformation("Background ledger ingestion is off ({Reason})", !database.Ready ? "the database is not ready" : "Ledger:Enabled is false");
            return;
        }

        // Resolved only now: with a broken database configuration the ingestor cannot even be built.
        var ingestor = services.GetRequiredService<LedgerIngestor>();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                status.Known(await ingestor.ThroughAsync(stoppingToken));
                // One writer across replicas: the others stand by, read what it writes, and take over if it goes.
                if (await lease.HoldAsync(stoppingToken))
                {
                    if (lease.Shared) status.Writer(lease.Replica, writing: true);
                    await ingestor.SyncAsync(time.GetUtcNow(), cancellationToken: stoppingToken);
                }
                else
                {
                    status.Writer(await lease.HolderAsync(stoppingToken), writing: false);
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await lease.ReleaseAsync();
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var message = ex is PrometheusException or IncompleteAnswerException ? ex.Message : $"the database: {DatabaseSetup.Describe(ex)}";
                status.Failed(message);
                logger.LogWarning("Ledger ingestion paused (attempt {Failures}): {Error}", failures, message);
            }

            var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
            var pause = failures == 0 ? poll : TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, poll.Ticks * (1L << Math.Min(failures - 1, 10))));
            await Task.Delay(pause, time, stoppingToken);
        }
    }
}
