using CostConsole.Data;
using Npgsql;

namespace CostConsole.Features.Ledger;

/// <summary>
/// Exactly one ledger writer at a time. On SQLite (one file, one app) this replica always writes. On PostgreSQL the
/// writer holds a session advisory lock on a connection of its own: the lock goes with the session, so a replica that
/// dies (process killed, node lost) frees it as soon as the server sees the connection gone — at once for a closed
/// socket, within about half a minute through the session's TCP keepalives otherwise — and another replica's next
/// attempt (every Ledger:PollSeconds) takes it over, continuing from the last hour written. Each hour is written in one
/// transaction that replaces it, so a takeover neither loses nor duplicates hours.
/// </summary>
public sealed class LedgerLease(DatabaseProviderChoice database, IConfiguration configuration, ReplicaIdentity replica, ILogger<LedgerLease> logger) : IAsyncDisposable
{
    /// <summary>The advisory lock's key ("CostLedg" folded into 32 bits, so pg_locks shows it as objid).</summary>
    public const long LockKey = 0x436F_7374;

    /// <summary>What every lock connection is named in pg_stat_activity: the holder is read from there.</summary>
    public const string ApplicationPrefix = "costconsole-ledger:";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private NpgsqlConnection? _session;

    public string Replica => replica.Name;

    /// <summary>Whether replicas can share the database (PostgreSQL); on SQLite this app is always the writer.</summary>
    public bool Shared => database.Provider == DatabaseProvider.PostgreSql;

    /// <summary>Whether this replica holds the lease now (taking it when it is free).</summary>
    public async Task<bool> HoldAsync(CancellationToken cancellationToken = default)
    {
        if (database.Provider != DatabaseProvider.PostgreSql) return true;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_session is not null)
            {
                try
                {
                    // Still our session, still alive: the lock is still ours.
                    await using var check = new NpgsqlCommand("SELECT 1", _session);
                    await check.ExecuteScalarAsync(cancellationToken);
                    return true;
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
                {
                    logger.LogWarning("The ledger lease's connection was lost ({Error}); this replica stops writing until it holds the lease again", ex.Message);
                    await DropSessionAsync();
                }
            }

            var builder = new NpgsqlConnectionStringBuilder(DatabaseSetup.PostgreSqlConnectionString(configuration))
            {
                ApplicationName = ApplicationPrefix + replica.Name,
                Pooling = false,
                KeepAlive = 10,
            };
            var session = new NpgsqlConnection(builder.ConnectionString);
            await session.OpenAsync(cancellationToken);
            // The server notices a silent peer (a node gone without closing its socket) after about half a minute.
            await using (var keepalive = new NpgsqlCommand("SET tcp_keepalives_idle = 15; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3", session))
            {
                await keepalive.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", session);
            take.Parameters.AddWithValue("key", LockKey);
            if (await take.ExecuteScalarAsync(cancellationToken) is true)
            {
                _session = session;
                logger.LogInformation("Replica {Replica} holds the ledger lease and writes the ledger", replica.Name);
                return true;
            }

            await session.DisposeAsync();
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The replica holding the lease (this one on SQLite), or null when none does or it cannot be read.</summary>
    public async Task<string?> HolderAsync(CancellationToken cancellationToken = default)
    {
        if (database.Provider != DatabaseProvider.PostgreSql) return replica.Name;
        if (_session is not null) return replica.Name;
        try
        {
            await using var connection = new NpgsqlConnection(DatabaseSetup.PostgreSqlConnectionString(configuration));
            await connection.OpenAsync(cancellationToken);
            await using var query = new NpgsqlCommand(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid " +
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::text = '0' AND l.objid::text::bigint = @key AND l.objsubid = 1 LIMIT 1", connection);
            query.Parameters.AddWithValue("key", (long)LockKey);
            return await query.ExecuteScalarAsync(cancellationToken) is string name && name.StartsWith(ApplicationPrefix, StringComparison.Ordinal)
                ? name[ApplicationPrefix.Length..]
                : null;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Gives the lease up (at shutdown): another replica takes it on its next attempt.</summary>
    public async Task ReleaseAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await DropSessionAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DropSessionAsync()
    {
        if (_session is null) return;
        try
        {
            await _session.DisposeAsync();
        }
        catch (NpgsqlException)
        {
        }

        _session = null;
    }

    public async ValueTask DisposeAsync() => await ReleaseAsync();
}
