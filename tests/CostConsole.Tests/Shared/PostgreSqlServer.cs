using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A real PostgreSQL server from Debian's packages, like the Prometheus fixture: <c>initdb</c> into a temporary folder
/// (as the unprivileged <c>postgres</c> user when the tests run as root, which PostgreSQL refuses to be), <c>pg_ctl</c>
/// on a free loopback port, stopped on dispose and when the test process exits. One server serves the whole run; each
/// test gets a database of its own (<see cref="CreateDatabase"/>), so tests never see each other's rows.
/// </summary>
public sealed class PostgreSqlServer : IDisposable
{
    private const string Superuser = "costconsole";
    private static readonly Lock Gate = new();
    private static PostgreSqlServer? _shared;

    private readonly DirectoryInfo _folder;
    private readonly string _bin;
    private int _stopped;

    private PostgreSqlServer(DirectoryInfo folder, string bin, int port)
    {
        (_folder, _bin, Port) = (folder, bin, port);
    }

    public int Port { get; }

    /// <summary>The data folder: its path is in the server's command line, so a stray server can be found by it.</summary>
    public string DataFolder => Path.Combine(_folder.FullName, "data");

    /// <summary>The run's server, started on first use.</summary>
    public static PostgreSqlServer Shared
    {
        get
        {
            lock (Gate)
            {
                if (_shared is null)
                {
                    _shared = Start();
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => _shared.Dispose();
                }

                return _shared;
            }
        }
    }

    /// <summary>A connection string to the server's maintenance database, for creating and inspecting databases.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = Superuser, Database = database,
        // Many apps come and go in one run: keep each one's pool small and let idle connections go quickly.
        MaxPoolSize = 20, ConnectionIdleLifetime = 10, Timeout = 15,
    }.ConnectionString;

    /// <summary>Creates an empty database with a fresh name and returns its connection string.</summary>
    public string CreateDatabase()
    {
        var name = "cc_" + Guid.NewGuid().ToString("N")[..16];
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'", connection);
        command.ExecuteNonQuery();
        return ConnectionString(name);
    }

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>, closing what is still connected to it.</summary>
    public void DropDatabase(string connectionString)
    {
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }

    private static PostgreSqlServer Start()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL's server programs were not found under /usr/lib/postgresql: install the 'postgresql' package (the test command does).");
        }

        var folder = Directory.CreateTempSubdirectory("costconsole-pg-");
        var port = FreePort();
        var server = new PostgreSqlServer(folder, bin, port);
        try
        {
            if (Environment.UserName == "root")
            {
                // PostgreSQL will not run as root; the package's own user owns the folder and runs the server.
                Run("chown", ["-R", "postgres:postgres", folder.FullName]);
            }

            server.AsServerUser("initdb", ["-D", server.DataFolder, "-A", "trust", "-U", Superuser, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
            // Durability is not what these tests prove: skip the flushes, as the PostgreSQL docs suggest for throwaway clusters.
            var options = $"-p {port} -k {folder.FullName} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB";
            server.AsServerUser("pg_ctl", ["-D", server.DataFolder, "-l", Path.Combine(folder.FullName, "server.log"), "-w", "-t", "60", "-o", options, "start"]);
            server.Watch();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A watchdog in a session of its own (outside the test process's tree, so it outlives a killed test host): once the
    /// test process is gone, it stops the server and removes the folder. The normal end is <see cref="Dispose"/>.
    /// </summary>
    private void Watch()
    {
        var stop = Environment.UserName == "root"
            ? $"runuser -u postgres -- {Path.Combine(_bin, "pg_ctl")} -D {DataFolder} -m immediate -w stop"
            : $"{Path.Combine(_bin, "pg_ctl")} -D {DataFolder} -m immediate -w stop";
        var script = $"while [ -d /proc/{Environment.ProcessId} ]; do sleep 1; done; [ -f {DataFolder}/postmaster.pid ] && {stop}; rm -rf {_folder.FullName}";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-f", "sh", "-c", script]) start.ArgumentList.Add(argument);
        using var watchdog = Process.Start(start)!;
        watchdog.WaitForExit(TimeSpan.FromSeconds(10));
    }

    private void AsServerUser(string program, string[] arguments)
    {
        var path = Path.Combine(_bin, program);
        if (Environment.UserName == "root")
        {
            Run("runuser", ["-u", "postgres", "--", path, .. arguments]);
        }
        else
        {
            Run(path, arguments);
        }
    }

    private static void Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} did not finish within 90 seconds.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}{output.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        NpgsqlConnection.ClearAllPools();
        try
        {
            if (File.Exists(Path.Combine(DataFolder, "postmaster.pid")))
            {
                AsServerUser("pg_ctl", ["-D", DataFolder, "-m", "immediate", "-w", "stop"]);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone; the folder is removed either way.
        }

        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
