using CostConsole.Tests.Shared;
using Microsoft.Data.Sqlite;

namespace CostConsole.Tests.Integration;

/// <summary>The app's own commands, run as a user would run them: the real binary, a real database file.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("costconsole-cli-");

    private string Database => Path.Combine(_folder.FullName, "cli.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private Task<(int Code, string Output, string Error)> RunAsync(string? password, params string[] args) =>
        AppProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__CostConsole"] = $"Data Source={Database}",
            ["Prometheus__BaseUrl"] = "http://127.0.0.1:9",
            ["COSTCONSOLE_PASSWORD"] = password,
        }, args);

    private async Task<List<(string Email, string Role)>> UsersAsync()
    {
        await using var db = new SqliteConnection($"Data Source={Database}");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT u.Email, r.Name FROM AspNetUsers u JOIN AspNetUserRoles ur ON ur.UserId = u.Id JOIN AspNetRoles r ON r.Id = ur.RoleId ORDER BY u.Email";
        await using var reader = await command.ExecuteReaderAsync();
        List<(string, string)> rows = [];
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    private Task<(int Code, string Output, string Error)> RunWithAsync(string key, string value, params string[] args) =>
        AppProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__CostConsole"] = $"Data Source={Database}",
            ["Prometheus__BaseUrl"] = "http://127.0.0.1:9",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{PrometheusServer.FreePort()}",
            [key] = value,
        }, args);

    public static TheoryData<string, string, string[]> MisspeltSettings => new()
    {
        // A gateway profile's name half-remembered: the commands and the app say so in one line and list the real choices.
        { "Prometheus__Profile", "otel-genai", ["ledger", "sync"] },
        { "Prometheus__Profile", "otel-genai", ["migrate"] },
        { "Prometheus__Profile", "otel-genai", [] },
        // A check interval no timer can wait: it used to stop the host from a background service with a stack trace.
        { "Budgets__CheckMinutes", "100000", [] },
        { "Budgets__CheckMinutes", "100000", ["tokens", "create", "--name", "x", "--role", "Admin"] },
    };

    [Theory]
    [MemberData(nameof(MisspeltSettings))]
    public async Task A_bad_setting_ends_a_command_or_the_app_with_one_line_naming_the_key_and_nothing_written(string key, string value, string[] args)
    {
        var (code, output, error) = await RunWithAsync(key, value, args);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {key.Replace("__", ":")} ", line);
        Assert.DoesNotContain("_example-gateway", line);
        if (key == "Prometheus__Profile")
        {
            Assert.Equal("error: Prometheus:Profile 'otel-genai' is not a known metric profile; use one of: otel-seed, otel-genai-histogram, bifrost, litellm (did you mean otel-genai-histogram?).", line);
        }

        // The check comes before any work: not even the database file was created.
        Assert.False(File.Exists(Database), "the database was created before the settings were checked");
    }

    [Fact]
    public async Task A_commands_output_is_its_answer_with_log_lines_only_when_asked()
    {
        var quiet = await RunAsync(AppFactory.Password, "users", "create", "--email", "quiet@example.test", "--role", "Finance");
        var verbose = await RunAsync(AppFactory.Password, "users", "create", "--email", "loud@example.test", "--role", "Finance", "--verbose");

        Assert.Equal((0, "Created quiet@example.test with the role Finance.\n", ""), quiet);
        Assert.Equal(0, verbose.Code);
        Assert.Equal("Created loud@example.test with the role Finance.\n", verbose.Output);
        Assert.Contains("info: ", verbose.Error);
        Assert.Contains("loud@example.test", verbose.Error);
    }

    [Fact]
    public async Task Teams_create_prints_the_id_finds_an_existing_team_and_adds_a_manager()
    {
        Assert.Equal(0, (await RunAsync(AppFactory.Password, "users", "create", "--email", "lead@example.test", "--role", "Manager")).Code);

        var first = await RunAsync(null, "teams", "create", "--name", "search", "--manager", "lead@example.test");
        var again = await RunAsync(null, "teams", "create", "--name", "search");
        var bad = await RunAsync(null, "teams", "create", "--name", "search", "--manager", "nobody@example.test");

        Assert.Equal(0, first.Code);
        Assert.Equal((0, first.Output), (again.Code, again.Output));
        Assert.True(int.TryParse(first.Output.Trim(), out _), first.Output);
        Assert.Equal(1, bad.Code);
        Assert.Contains("error:", bad.Error);
        await using var db = new SqliteConnection($"Data Source={Database}");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT u.Email FROM TeamManagers m JOIN AspNetUsers u ON u.Id = m.ManagersId JOIN Teams t ON t.Id = m.ManagedTeamsId WHERE t.Name = 'search'";
        Assert.Equal("lead@example.test", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Migrate_creates_the_schema_in_WAL_mode()
    {
        var (code, output, _) = await RunAsync(null, "migrate");

        Assert.Equal(0, code);
        Assert.Contains("up to date", output);
        await using var db = new SqliteConnection($"Data Source={Database}");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "PRAGMA journal_mode; ";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "SELECT COUNT(*) FROM __EFMigrationsHistory";
        Assert.True((long)(await command.ExecuteScalarAsync())! >= 1);
    }

    [Fact]
    public async Task Users_create_makes_an_admin_with_the_password_from_the_environment()
    {
        var (code, output, error) = await RunAsync(AppFactory.Password, "users", "create", "--email", "first.admin@example.test", "--role", "admin");

        Assert.True(code == 0, error);
        Assert.Contains("Created first.admin@example.test with the role Admin", output);
        Assert.Equal([("first.admin@example.test", "Admin")], await UsersAsync());
    }

    [Fact]
    public async Task Users_create_refuses_bad_input_and_creates_nothing()
    {
        await RunAsync(AppFactory.Password, "users", "create", "--email", "keep@example.test", "--role", "Finance");

        var badRole = await RunAsync(AppFactory.Password, "users", "create", "--email", "x@example.test", "--role", "Emperor");
        var shortPassword = await RunAsync("short", "users", "create", "--email", "y@example.test", "--role", "Admin");
        var noPassword = await RunAsync(null, "users", "create", "--email", "z@example.test", "--role", "Admin");
        var noEmail = await RunAsync(AppFactory.Password, "users", "create", "--role", "Admin");

        Assert.Equal(1, badRole.Code);
        Assert.Contains("'Emperor' is not a role", badRole.Error);
        Assert.Equal(1, shortPassword.Code);
        Assert.Contains("at least 12 characters", shortPassword.Error);
        Assert.Equal(2, noPassword.Code);
        Assert.Contains("set COSTCONSOLE_PASSWORD", noPassword.Error);
        Assert.Equal(2, noEmail.Code);
        Assert.Contains("needs --email and --role", noEmail.Error);
        Assert.Equal([("keep@example.test", "Finance")], await UsersAsync());
    }
}

public sealed class HostingProblemTests
{
    [Fact]
    public async Task A_port_in_use_stops_the_app_with_the_address_named()
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;
        var folder = Directory.CreateTempSubdirectory("costconsole-port-");

        var (code, output, error) = await AppProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__CostConsole"] = $"Data Source={Path.Combine(folder.FullName, "port.db")}",
            ["Prometheus__BaseUrl"] = "http://127.0.0.1:9",
        }, "--urls", $"http://127.0.0.1:{port}");

        Assert.NotEqual(0, code);
        Assert.Contains($"127.0.0.1:{port}", output + error);
        Assert.Contains("address already in use", (output + error).ToLowerInvariant());
        SqliteConnection.ClearAllPools();
        folder.Delete(recursive: true);
    }

    [Fact]
    public void A_missing_binary_is_named_with_the_package_to_install()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => PrometheusServer.FindBinary("prometheus-that-is-not-installed"));

        Assert.Contains("'prometheus-that-is-not-installed' was not found", ex.Message);
        Assert.Contains("apt-get install prometheus", ex.Message);
    }
}
