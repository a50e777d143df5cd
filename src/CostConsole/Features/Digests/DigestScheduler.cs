using CostConsole.Data;
using CostConsole.Features.Spend;
using Hangfire;
using Hangfire.Common;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Digests;

/// <summary>One Hangfire recurring job per subscription, at its local time in its own zone.</summary>
public sealed class DigestScheduler(IRecurringJobManager recurring, JobStorage storage, ILogger<DigestScheduler> logger)
{
    public const string JobPrefix = "digest-";

    public void Register(DigestSubscription subscription)
    {
        if (subscription.Paused)
        {
            Remove(subscription.Id);
            return;
        }

        var zone = SpendPeriods.FindZone(subscription.TimeZone) ?? TimeZoneInfo.Utc;
        recurring.AddOrUpdate<DigestJobs>(subscription.JobId, j => j.RunAsync(subscription.Id),
            DigestSchedule.Cron(subscription.SendAt, subscription.Days), new RecurringJobOptions { TimeZone = zone });
    }

    public void Remove(int subscriptionId) => recurring.RemoveIfExists($"{JobPrefix}{subscriptionId}");

    /// <summary>The digest jobs the storage holds: id → cron and zone.</summary>
    public IReadOnlyDictionary<string, (string Cron, string TimeZone, DateTime? NextExecution)> Registered()
    {
        using var connection = storage.GetConnection();
        return connection.GetRecurringJobs()
            .Where(j => j.Id.StartsWith(JobPrefix, StringComparison.Ordinal))
            .ToDictionary(j => j.Id, j => (j.Cron, j.TimeZoneId ?? "UTC", j.NextExecution));
    }

    /// <summary>Makes the storage's digest jobs match the database: every subscription registered, stale jobs removed.</summary>
    public async Task<int> SyncAsync(IDbContextFactory<CostConsoleDbContext> dbFactory, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var subscriptions = await db.DigestSubscriptions.AsNoTracking().ToListAsync(cancellationToken);
        foreach (var subscription in subscriptions)
        {
            Register(subscription);
        }

        var wanted = subscriptions.Where(s => !s.Paused).Select(s => s.JobId).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Registered().Keys.Where(id => !wanted.Contains(id)))
        {
            recurring.RemoveIfExists(stale);
        }

        logger.LogInformation("Registered {Count} digest jobs", wanted.Count);
        return wanted.Count;
    }
}

/// <summary>At every start: the digest jobs from the database, then recovery of interrupted sends, due retries and missed digests.</summary>
public sealed class DigestStartup(IServiceProvider services, DatabaseStatus database, ILogger<DigestStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the host's start: catching up may mean composing and mailing digests.
        await Task.Yield();
        if (!database.Ready)
        {
            logger.LogWarning("Digest jobs are not registered: the database is not ready");
            return;
        }

        try
        {
            await services.GetRequiredService<DigestScheduler>().SyncAsync(services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>(), stoppingToken);
            await services.GetRequiredService<DigestDeliveries>().RecoverAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Digest jobs could not be registered or recovered");
        }
    }
}

/// <summary>
/// Hangfire's worker in this process when <c>Digests:Worker</c> is on: it runs the recurring digest jobs and the
/// delayed retries (picked up every <c>Digests:PollSeconds</c>), with jobs activated from the app's services.
/// </summary>
public sealed class DigestWorker(IServiceProvider services, IOptions<DigestOptions> options, ILogger<DigestWorker> logger) : IHostedService, IDisposable
{
    private BackgroundJobServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Worker)
        {
            logger.LogInformation("The digest worker is off (Digests:Worker is false): jobs are registered but run elsewhere");
            return Task.CompletedTask;
        }

        var server = new BackgroundJobServerOptions
        {
            ServerName = "costconsole",
            // Sending mail waits on the network more than it computes: Hangfire's default (5 per core, at most 20).
            WorkerCount = Math.Min(Environment.ProcessorCount * 5, 20),
            SchedulePollingInterval = TimeSpan.FromSeconds(settings.PollSeconds),
            Activator = services.GetRequiredService<JobActivator>(),
            FilterProvider = services.GetRequiredService<IJobFilterProvider>(),
        };
        _server = new BackgroundJobServer(server, services.GetRequiredService<JobStorage>());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null) return;
        _server.SendStop();
        await _server.WaitForShutdownAsync(cancellationToken);
    }

    public void Dispose() => _server?.Dispose();
}
