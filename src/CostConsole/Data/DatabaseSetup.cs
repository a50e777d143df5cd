using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostConsole.Data;

/// <summary>What start-up learned about the database, for /readyz and the pages. The app keeps serving when it is broken.</summary>
public sealed class DatabaseStatus
{
    public bool Ready { get; private set; }
    public string? Problem { get; private set; }

    public void MarkReady() => (Ready, Problem) = (true, null);
    public void MarkBroken(string problem) => (Ready, Problem) = (false, problem);
}

/// <summary>
/// Every SQLite connection waits for a busy lock instead of failing, enforces foreign keys, and keeps the file within
/// Database:MaxSizeMegabytes (read at each open, so raising it takes effect without a restart).
/// </summary>
internal sealed class SqlitePragmaInterceptor(int busyTimeoutMs, IConfiguration configuration) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        // A 16 MB page cache per connection (SQLite's default is 2 MB): a spend view reads tens of thousands of ledger
        // rows through the index, and their pages stay at hand between the views of one page.
        command.CommandText = $"PRAGMA busy_timeout = {busyTimeoutMs}; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384;";
        command.ExecuteNonQuery();
        // Past this many pages a write fails with SQLITE_FULL, exactly as on a full disk. Set on every open, the
        // unlimited value too: a pooled connection keeps what it was last given.
        var pages = 4_294_967_294L; // SQLite's own ceiling, which it lowers to what its build allows
        if (DatabaseSetup.MaxSizeMegabytes(configuration) is > 0 and var megabytes)
        {
            command.CommandText = "PRAGMA page_size;";
            pages = megabytes * 1024L * 1024L / Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        command.CommandText = $"PRAGMA max_page_count = {pages};";
        command.ExecuteNonQuery();
    }
}

/// <summary>Which database holds CostConsole's data (<c>Database:Provider</c>).</summary>
public enum DatabaseProvider
{
    /// <summary>One file, nothing to run: the embedded default.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database the organisation operates; several replicas may share it.</summary>
    PostgreSql,
}

/// <summary>
/// Creates the context of the configured provider: the same model, each provider with its own migrations (EF Core keys
/// migrations by context type, so PostgreSQL's belong to <see cref="PostgreSqlCostConsoleDbContext"/>).
/// </summary>
internal sealed class ProviderDbContextFactory(DbContextOptions<CostConsoleDbContext> options, DatabaseProviderChoice choice) : IDbContextFactory<CostConsoleDbContext>
{
    public CostConsoleDbContext CreateDbContext() =>
        choice.Provider == DatabaseProvider.PostgreSql ? new PostgreSqlCostConsoleDbContext(options) : new CostConsoleDbContext(options);
}

/// <summary>The provider read once from configuration at start.</summary>
public sealed record DatabaseProviderChoice(DatabaseProvider Provider);

public static class DatabaseSetup
{
    /// <summary><c>Database:Provider</c>: Sqlite (the default) or PostgreSql; anything else is refused at start, naming the setting.</summary>
    public static DatabaseProvider Provider(IConfiguration configuration)
    {
        var text = configuration["Database:Provider"];
        if (string.IsNullOrWhiteSpace(text)) return DatabaseProvider.Sqlite;
        return text.Trim().ToLowerInvariant() switch
        {
            "sqlite" => DatabaseProvider.Sqlite,
            "postgresql" or "postgres" or "npgsql" => DatabaseProvider.PostgreSql,
            _ => throw new InvalidOperationException($"Database:Provider must be Sqlite or PostgreSql (was '{Configuration.OptionText.Printable(text)}')."),
        };
    }

    /// <summary>How long a statement waits for a lock another connection holds (a backup, a second writer), by default.</summary>
    public const int DefaultBusyTimeoutSeconds = 10;

    /// <summary><c>Database:BusyTimeoutSeconds</c>: both SQLite's busy timeout and the command timeout, so a locked database fails after exactly this long.</summary>
    public static int BusyTimeoutSeconds(IConfiguration configuration)
    {
        var text = configuration["Database:BusyTimeoutSeconds"];
        if (string.IsNullOrWhiteSpace(text)) return DefaultBusyTimeoutSeconds;
        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 600
            ? seconds
            : throw new InvalidOperationException($"Database:BusyTimeoutSeconds must be a whole number of seconds between 1 and 600 (was '{Configuration.OptionText.Printable(text)}').");
    }

    /// <summary>
    /// <c>Database:MaxSizeMegabytes</c>: the most the database file may grow to (0, the default: as far as the disk
    /// allows). A write past it fails as on a full disk — nothing half-written, retried later — so a quota can be kept.
    /// </summary>
    public static int MaxSizeMegabytes(IConfiguration configuration)
    {
        var text = configuration["Database:MaxSizeMegabytes"];
        if (string.IsNullOrWhiteSpace(text)) return 0;
        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var megabytes) && megabytes is >= 0 and <= 10_000_000
            ? megabytes
            : throw new InvalidOperationException($"Database:MaxSizeMegabytes must be a whole number of megabytes between 0 (no limit) and 10000000 (was '{Configuration.OptionText.Printable(text)}').");
    }

    public static IServiceCollection AddCostConsoleData(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<DatabaseStatus>();
        // Read by the rest of the app (Hangfire's storage): a bad value reads as SQLite there, and the database itself
        // refuses to open with the setting named (the options below), which /readyz and the sign-in page report.
        services.AddSingleton(_ =>
        {
            try
            {
                return new DatabaseProviderChoice(Provider(configuration));
            }
            catch (InvalidOperationException)
            {
                return new DatabaseProviderChoice(DatabaseProvider.Sqlite);
            }
        });
        services.AddOptions<ReplicaOptions>().Bind(configuration.GetSection(ReplicaOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReplicaOptions>, ValidateReplicaOptions>();
        services.AddSingleton<ReplicaIdentity>();
        services.AddSingleton<ChangeSignal>();
        services.AddHostedService(provider => provider.GetRequiredService<ChangeSignal>());
        services.AddDbContextFactory<CostConsoleDbContext, ProviderDbContextFactory>((sp, options) =>
        {
            var assembly = typeof(CostConsoleDbContext).Assembly.GetName().Name;
            if (Provider(configuration) == DatabaseProvider.PostgreSql)
            {
                options.UseNpgsql(PostgreSqlConnectionString(configuration), npgsql => npgsql.MigrationsAssembly(assembly).CommandTimeout(BusyTimeoutSeconds(configuration)));
                return;
            }

            options.UseSqlite(ConnectionString(configuration), sqlite => sqlite.MigrationsAssembly(assembly).CommandTimeout(BusyTimeoutSeconds(configuration)));
            MaxSizeMegabytes(configuration); // refused at start, like the busy timeout, when it is not a size
            options.AddInterceptors(new SqlitePragmaInterceptor(BusyTimeoutSeconds(configuration) * 1000, configuration));
        });
        return services;
    }

    /// <summary>
    /// Whether a failure is the database being locked (SQLITE_BUSY, SQLITE_LOCKED; PostgreSQL's lock or statement
    /// timeout, a deadlock or a serialization failure), full (SQLITE_FULL, PostgreSQL's disk_full) or, for PostgreSQL,
    /// out of reach for a moment (a transient connection failure): worth a retry later, not a crash.
    /// </summary>
    public static bool IsBusyOrFull(Exception ex)
    {
        for (var e = (Exception?)ex; e is not null; e = e.InnerException)
        {
            if (e is SqliteException { SqliteErrorCode: 5 or 6 or 13 }) return true;
            if (e is PostgresException { SqlState: "55P03" or "57014" or "40P01" or "40001" or "53100" or "53200" or "53300" or "57P01" or "57P03" }) return true;
            if (e is NpgsqlException { IsTransient: true }) return true;
        }

        return false;
    }

    /// <summary>Whether an exception is the database's own (either provider): reported and retried, never a crash.</summary>
    public static bool IsDatabaseFault(Exception ex) => ex is SqliteException or NpgsqlException or InvalidOperationException or IOException or UnauthorizedAccessException;

    /// <summary>The configured PostgreSQL connection string, checked: it names a host and a database.</summary>
    public static string PostgreSqlConnectionString(IConfiguration configuration)
    {
        var raw = configuration.GetConnectionString("CostConsole");
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new InvalidOperationException("ConnectionStrings:CostConsole is required with Database:Provider PostgreSql (for example \"Host=db;Database=costconsole;Username=costconsole;Password=…\", the password from the environment).");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(raw);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:CostConsole is not a valid PostgreSQL connection string: {ex.Message}", ex);
        }

        if (string.IsNullOrWhiteSpace(builder.Host) || string.IsNullOrWhiteSpace(builder.Database))
        {
            throw new InvalidOperationException("ConnectionStrings:CostConsole must name a Host and a Database with Database:Provider PostgreSql.");
        }

        return builder.ConnectionString;
    }

    /// <summary>The configured connection string, with the folder of the database file created if needed.</summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        var raw = configuration.GetConnectionString("CostConsole");
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new InvalidOperationException("ConnectionStrings:CostConsole is required (for example \"Data Source=costconsole.db\").");
        }

        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(raw);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:CostConsole is not a valid SQLite connection string: {ex.Message}", ex);
        }

        if (builder.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(builder.DataSource))
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }

        builder.DefaultTimeout = BusyTimeoutSeconds(configuration);
        return builder.ToString();
    }

    /// <summary>Applies pending migrations (never EnsureCreated) and switches the file to WAL.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var factory = services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!db.Database.IsSqlite())
        {
            await db.Database.MigrateAsync(cancellationToken);
            return;
        }

        var file = FileOf(db.Database.GetConnectionString());
        var created = file is not null && !File.Exists(file);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", cancellationToken);
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        // Readable by the app's user only (SQLite gives its WAL and shared-memory files the database file's mode). A file
        // someone created beforehand keeps the mode they gave it.
        if (created && !OperatingSystem.IsWindows() && File.Exists(file))
        {
            File.SetUnixFileMode(file!, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>The database file of a SQLite connection string; null for an in-memory database.</summary>
    private static string? FileOf(string? connectionString)
    {
        try
        {
            var source = new SqliteConnectionStringBuilder(connectionString ?? "").DataSource;
            return string.IsNullOrEmpty(source) || source == ":memory:" || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? null : Path.GetFullPath(source);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Migrates at start-up. A broken database is logged and recorded, and the app goes on serving what it can.</summary>
    public static async Task MigrateAtStartupAsync(this WebApplication app)
    {
        var status = app.Services.GetRequiredService<DatabaseStatus>();
        try
        {
            await MigrateAsync(app.Services);
            status.MarkReady();
        }
        catch (Exception ex) when (IsDatabaseFault(ex))
        {
            var problem = Describe(ex);
            status.MarkBroken(problem);
            app.Logger.LogCritical(ex, "The database could not be opened or migrated: {Problem}", problem);
        }
    }

    public static string Describe(Exception ex) => ex switch
    {
        DbUpdateException { InnerException: { } inner } => Describe(inner),
        SqliteException { SqliteErrorCode: 5 or 6 } => "the database is locked by another connection (SQLITE_BUSY): a backup, a second writer or an open sqlite3 shell. It is retried; release the lock.",
        SqliteException { SqliteErrorCode: 13 } => "the database or its disk is full (SQLITE_FULL). Free disk space; nothing was half-written, and it is retried.",
        SqliteException { SqliteErrorCode: 26 } => "the database file is not a SQLite database or is corrupt (SQLITE_NOTADB). Restore it from a backup or point ConnectionStrings:CostConsole at another file.",
        SqliteException { SqliteErrorCode: 11 } => "the database file is corrupt (SQLITE_CORRUPT). Restore it from a backup.",
        SqliteException { SqliteErrorCode: 8 } => "the database file is read-only (SQLITE_READONLY). Give the app's user write access to the file and its folder.",
        SqliteException { SqliteErrorCode: 14 } => "the database file cannot be opened (SQLITE_CANTOPEN). Check the path in ConnectionStrings:CostConsole and the folder's permissions.",
        SqliteException sqlite => $"SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message}",
        PostgresException { SqlState: "53100" } => "the PostgreSQL database's disk is full (disk_full). Free space; nothing was half-written, and it is retried.",
        PostgresException { SqlState: "55P03" or "57014" or "40P01" or "40001" } pg => $"the PostgreSQL database is busy ({pg.SqlState}: {pg.MessageText}). It is retried.",
        PostgresException { SqlState: "28P01" or "28000" } => "PostgreSQL refused the credentials in ConnectionStrings:CostConsole (invalid_password). Check the user and the password.",
        PostgresException { SqlState: "3D000" } pg => $"the PostgreSQL database does not exist ({pg.MessageText}). Create it, or fix Database in ConnectionStrings:CostConsole.",
        PostgresException pg => $"PostgreSQL error {pg.SqlState}: {pg.MessageText}",
        NpgsqlException npgsql => $"PostgreSQL cannot be reached ({npgsql.Message}). Check Host and Port in ConnectionStrings:CostConsole; it is retried.",
        _ => ex.Message,
    };
}
