using System.Threading.Channels;
using CostConsole.Core;
using Npgsql;

namespace CostConsole.Data;

/// <summary>
/// Carries the change signal (<see cref="CostDataVersion"/>: the ledger wrote hours, a price or a rate changed) between
/// replicas on PostgreSQL with LISTEN/NOTIFY: a local change is announced on one channel with this replica's name, and
/// every other replica drops its cached views when it hears it — within the time a notification takes, well under a
/// second. A lost listening connection is re-opened, and the views are dropped once then, since a signal may have been
/// missed meanwhile. On SQLite (one app) it does nothing.
/// </summary>
public sealed class ChangeSignal(DatabaseProviderChoice database, DatabaseStatus status, IConfiguration configuration, CostDataVersion version,
    ReplicaIdentity replica, ILogger<ChangeSignal> logger) : BackgroundService
{
    public const string Channel = "costconsole_changes";

    private readonly Channel<bool> _outbox = System.Threading.Channels.Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>How many signals from other replicas were applied here (for the tests and the log).</summary>
    public long Received { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Provider != DatabaseProvider.PostgreSql || !status.Ready) return;
        // Bumps come fast during ingestion: at most one announcement is pending at a time, which covers them all.
        void Announce() => _outbox.Writer.TryWrite(true);
        version.Changed += Announce;
        try
        {
            await Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            version.Changed -= Announce;
        }
    }

    private async Task SendAsync(CancellationToken stoppingToken)
    {
        await foreach (var _ in _outbox.Reader.ReadAllAsync(stoppingToken))
        {
            await AnnounceAsync(stoppingToken);
        }
    }

    /// <summary>
    /// Tells the other replicas now. The commands (<c>prices import</c>, <c>ledger sync</c>) call it before they exit,
    /// since they run no background services; nothing happens on SQLite. A failure is logged, never thrown: the others'
    /// views then expire on their own (Spend:ViewCacheSeconds).
    /// </summary>
    public async Task AnnounceAsync(CancellationToken cancellationToken = default)
    {
        if (database.Provider != DatabaseProvider.PostgreSql) return;
        try
        {
            await using var connection = new NpgsqlConnection(DatabaseSetup.PostgreSqlConnectionString(configuration));
            await connection.OpenAsync(cancellationToken);
            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @replica)", connection);
            notify.Parameters.AddWithValue("channel", Channel);
            notify.Parameters.AddWithValue("replica", replica.Name);
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            logger.LogWarning("The change signal could not be sent to the other replicas: {Error}", ex.Message);
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(DatabaseSetup.PostgreSqlConnectionString(configuration)) { Pooling = false, KeepAlive = 10 };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == Channel && e.Payload != replica.Name)
                    {
                        version.BumpFromElsewhere();
                        Received++;
                    }
                };
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                if (!first) version.BumpFromElsewhere(); // signals may have been missed while not listening
                first = false;
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or System.IO.IOException)
            {
                logger.LogWarning("Listening for other replicas' changes failed ({Error}); listening again in 5 s", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }
}
