using System.Text;
using CostConsole.Configuration;
using CostConsole.Data;
using CostConsole.Features.ApiTokens;
using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Prometheus;
using CostConsole.Features.Identity;
using CostConsole.Features.Teams;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Cli;

/// <summary>
/// Administrative commands run with the app's own configuration:
/// <c>migrate</c> and <c>users create --email E --role R</c>.
/// </summary>
public static class CommandLine
{
    public const string PasswordVariable = "COSTCONSOLE_PASSWORD";

    private static readonly HashSet<string> Commands = ["migrate", "db", "users", "prices", "tokens", "teams", "ledger", "sources", "help", "--help"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0]);

    public static async Task<int> RunAsync(WebApplicationBuilder builder, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        // A command's output is its answer: logs only at Warning and above unless --verbose asks for more. A rule for
        // the console provider outranks appsettings.json's provider-less "Default": "Information".
        var verbose = args.Contains("--verbose");
        args = [.. args.Where(a => a != "--verbose")];
        if (!verbose)
        {
            builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, LogLevel.Warning);
        }

        // Standard output carries only the command's result (a token, a count); logs go to standard error.
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        try
        {
            switch (args)
            {
                case ["migrate", ..]:
                {
                    await using var app = CheckedBuild(builder);
                    await DatabaseSetup.MigrateAsync(app.Services);
                    await output.WriteLineAsync("The database is up to date.");
                    return 0;
                }
                case ["db", "copy", .. var rest]:
                    return await CopyDatabaseAsync(builder, Options(rest), output, error);
                case ["users", "create", .. var rest]:
                    return await CreateUserAsync(builder, Options(rest), output, error);
                case ["prices", "import", var file, ..]:
                    return await ImportPricesAsync(builder, file, output, error);
                case ["tokens", "create", .. var rest]:
                    return await CreateTokenAsync(builder, Options(rest), output, error);
                case ["teams", "create", .. var rest]:
                    return await CreateTeamAsync(builder, Options(rest), output, error);
                case ["ledger", "sync", .. var rest]:
                    return await SyncLedgerAsync(builder, Options(rest), output, error);
                case ["sources", "detect", ..]:
                    return await DetectSourcesAsync(builder, output, error);
                default:
                    await error.WriteLineAsync(Usage);
                    return args is ["help" or "--help", ..] ? 0 : 2;
            }
        }
        catch (InvalidSettingsException ex)
        {
            foreach (var problem in ex.Problems)
            {
                await error.WriteLineAsync($"error: {problem}");
            }

            return 2;
        }
        catch (Exception ex) when (ex is PrometheusException or IncompleteAnswerException)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (DatabaseSetup.IsDatabaseFault(ex))
        {
            await error.WriteLineAsync($"error: {DatabaseSetup.Describe(ex)}");
            return 1;
        }
    }

    private static async Task<int> CreateUserAsync(WebApplicationBuilder builder, IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error)
    {
        if (!options.TryGetValue("email", out var email) || !options.TryGetValue("role", out var role))
        {
            await error.WriteLineAsync("error: users create needs --email and --role.\n" + Usage);
            return 2;
        }

        var variable = options.GetValueOrDefault("password-env", PasswordVariable);
        var password = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(password))
        {
            if (Console.IsInputRedirected)
            {
                await error.WriteLineAsync($"error: no password: set {variable} or run the command in a terminal to be prompted.");
                return 2;
            }

            password = Prompt($"Password for {email}: ");
            if (Prompt("Repeat it: ") != password)
            {
                await error.WriteLineAsync("error: the passwords differ; nothing was created.");
                return 2;
            }
        }

        await using var app = CheckedBuild(builder);
        await DatabaseSetup.MigrateAsync(app.Services);
        await using var scope = app.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        var result = await admin.CreateAsync(email, role, password);
        if (!result.Succeeded)
        {
            foreach (var message in result.Errors)
            {
                await error.WriteLineAsync($"error: {message}");
            }

            return 1;
        }

        await output.WriteLineAsync($"Created {email.Trim()} with the role {Roles.Normalize(role)}.");
        return 0;
    }

    /// <summary>Builds the app for a command and checks every setting first, as the web app does at start.</summary>
    /// <summary>
    /// <c>db copy --to "CONNECTION"</c>: the configured database (a SQLite installation, say) into an empty PostgreSQL
    /// database, migrated first; every table counted on both sides and printed. A target holding anything beyond its
    /// migrations' seed rows is refused with nothing copied. The connection string is never printed (it may hold a password).
    /// </summary>
    private static async Task<int> CopyDatabaseAsync(WebApplicationBuilder builder, IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error)
    {
        if (!options.TryGetValue("to", out var to) || string.IsNullOrWhiteSpace(to))
        {
            await error.WriteLineAsync("error: db copy needs --to \"Host=…;Database=…;Username=…\" (an empty PostgreSQL database; the password from PGPASSWORD or a passfile).\n" + Usage);
            return 2;
        }

        Npgsql.NpgsqlConnectionStringBuilder target;
        try
        {
            target = new Npgsql.NpgsqlConnectionStringBuilder(to);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync($"error: --to is not a PostgreSQL connection string: {ex.Message}");
            return 2;
        }

        if (string.IsNullOrWhiteSpace(target.Host) || string.IsNullOrWhiteSpace(target.Database))
        {
            await error.WriteLineAsync("error: --to must name a Host and a Database.");
            return 2;
        }

        await using var app = await MigratedAppAsync(builder);
        await using var source = await app.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        var into = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<CostConsoleDbContext>().UseNpgsql(target.ConnectionString).Options;
        await using var destination = new PostgreSqlCostConsoleDbContext(into);
        await output.WriteLineAsync($"Migrating the target ({target.Host}/{target.Database})…");
        await destination.Database.MigrateAsync();
        if (await DatabaseCopy.WhyNotEmptyAsync(destination) is { } notEmpty)
        {
            await error.WriteLineAsync($"error: {notEmpty}");
            return 1;
        }

        var progress = new Progress<string>(line => error.WriteLine("  copied " + line));
        var copied = await DatabaseCopy.CopyAsync(source, destination, progress: progress);
        await output.WriteLineAsync($"{"table",-28} {"source",12} {"target",12}");
        foreach (var table in copied)
        {
            await output.WriteLineAsync($"{table.Table,-28} {table.SourceRows,12} {table.TargetRows,12}{(table.Matches ? "" : "  MISMATCH")}");
        }

        var mismatched = copied.Where(t => !t.Matches).Select(t => t.Table).ToList();
        if (mismatched.Count > 0)
        {
            await error.WriteLineAsync($"error: the row counts differ for {string.Join(", ", mismatched)}.");
            return 1;
        }

        await output.WriteLineAsync($"Copied {copied.Count} tables, {copied.Sum(t => t.SourceRows)} rows; every count matches. Point Database:Provider=PostgreSql and ConnectionStrings:CostConsole at the target.");
        return 0;
    }

    private static WebApplication CheckedBuild(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        var problems = StartupSettings.Problems(app.Services);
        if (problems.Count > 0)
        {
            ((IDisposable)app).Dispose();
            throw new InvalidSettingsException(problems);
        }

        return app;
    }

    private sealed class InvalidSettingsException(IReadOnlyList<string> problems) : Exception(string.Join(" ", problems))
    {
        public IReadOnlyList<string> Problems { get; } = problems;
    }

    private static async Task<WebApplication> MigratedAppAsync(WebApplicationBuilder builder)
    {
        var app = CheckedBuild(builder);
        await DatabaseSetup.MigrateAsync(app.Services);
        return app;
    }

    private static async Task<int> ImportPricesAsync(WebApplicationBuilder builder, string file, TextWriter output, TextWriter error)
    {
        if (!File.Exists(file))
        {
            await error.WriteLineAsync($"error: no file at {file}");
            return 2;
        }

        var (entries, problems) = PriceCsv.Parse(await File.ReadAllTextAsync(file));
        if (problems.Count == 0)
        {
            await using var app = await MigratedAppAsync(builder);
            problems = await app.Services.GetRequiredService<PriceStore>().ImportAsync(entries, $"cli:{Environment.UserName}");
            // Running replicas drop their views priced before the import.
            if (problems.Count == 0) await app.Services.GetRequiredService<ChangeSignal>().AnnounceAsync();
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync($"error: {file}: {problem}");
            }

            await error.WriteLineAsync("Nothing was imported.");
            return 1;
        }

        await output.WriteLineAsync($"Imported {entries.Count} price entries from {file}.");
        return 0;
    }

    /// <summary>Creates a team (or finds it) and optionally makes a Manager its manager; prints the team's id.</summary>
    private static async Task<int> CreateTeamAsync(WebApplicationBuilder builder, IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error)
    {
        await using var app = await MigratedAppAsync(builder);
        await using var scope = app.Services.CreateAsyncScope();
        var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
        var name = options.GetValueOrDefault("name")?.Trim();
        var created = await teams.CreateAsync(name);
        var team = (await teams.ListAsync()).FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
        if (team is null)
        {
            foreach (var message in created.Errors) await error.WriteLineAsync($"error: {message}");
            return 1;
        }

        if (options.GetValueOrDefault("manager") is { Length: > 0 } manager)
        {
            var added = await teams.AddManagerAsync(team.Id, manager);
            if (!added.Succeeded && !added.Errors.Any(e => e.Contains("already", StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var message in added.Errors) await error.WriteLineAsync($"error: {message}");
                return 1;
            }
        }

        await output.WriteLineAsync(team.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }

    private static async Task<int> CreateTokenAsync(WebApplicationBuilder builder, IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error)
    {
        await using var app = await MigratedAppAsync(builder);
        var (result, token) = await app.Services.GetRequiredService<ApiTokenService>()
            .CreateAsync(options.GetValueOrDefault("name"), options.GetValueOrDefault("role"), $"cli:{Environment.UserName}");
        if (!result.Succeeded)
        {
            foreach (var message in result.Errors) await error.WriteLineAsync($"error: {message}");
            return 1;
        }

        await output.WriteLineAsync(token);
        await error.WriteLineAsync("This is the only time the token is shown; store it now. Use it as: Authorization: Bearer <token>");
        return 0;
    }

    private static async Task<int> SyncLedgerAsync(WebApplicationBuilder builder, IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error)
    {
        var until = DateTimeOffset.UtcNow;
        if (options.TryGetValue("until", out var text)
            && !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out until))
        {
            await error.WriteLineAsync($"error: --until '{text}' is not an ISO 8601 time such as 2026-11-01T00:00:00Z.");
            return 2;
        }

        await using var app = await MigratedAppAsync(builder);
        // One writer: on a database that replicas share, the command writes only when none of them holds the ledger.
        var lease = app.Services.GetRequiredService<LedgerLease>();
        if (!await lease.HoldAsync())
        {
            await error.WriteLineAsync($"error: replica {await lease.HolderAsync() ?? "(another)"} writes the ledger now; it catches up on its own. Nothing was ingested.");
            return 1;
        }

        var ingestor = app.Services.GetRequiredService<LedgerIngestor>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new Progress<(int Done, int Total)>(p => output.WriteLine($"  {p.Done}/{p.Total} hours ({100.0 * p.Done / p.Total:0}%), {clock.Elapsed.TotalSeconds:0.0} s"));
        var hours = await ingestor.SyncAsync(until, progress);
        var seconds = clock.Elapsed.TotalSeconds;
        await lease.ReleaseAsync();
        if (hours > 0) await app.Services.GetRequiredService<ChangeSignal>().AnnounceAsync();
        await output.WriteLineAsync($"Ledger synced: {hours} hours ingested in {seconds:0.0} s from {ingestor.LastSyncSamples} raw samples ({ingestor.LastSyncSamples / Math.Max(seconds, 0.001):0} samples/s); exact through {await ingestor.ThroughAsync():yyyy-MM-ddTHH:mm}Z; peak memory {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MB.");
        return 0;
    }

    /// <summary>Which known profiles have data in this Prometheus and how its series map into dimensions; exit 3 when a suggestion says the profile is wrong.</summary>
    private static async Task<int> DetectSourcesAsync(WebApplicationBuilder builder, TextWriter output, TextWriter error)
    {
        await using var app = CheckedBuild(builder);
        var detection = await app.Services.GetRequiredService<Features.Sources.SourceDetector>().DetectAsync();
        if (detection.Problem is { } problem)
        {
            await error.WriteLineAsync($"error: {problem}");
            return 1;
        }

        await output.WriteLineAsync($"Profile in use: {detection.ActiveProfile}.");
        if (detection.Profiles.Count == 0)
        {
            await output.WriteLineAsync("No known profile's input counter is in this Prometheus.");
        }

        foreach (var found in detection.Profiles)
        {
            // Label values are data from whoever emits metrics: written out with control characters made visible.
            await output.WriteLineAsync(Visible(found.Summary) + (found.Active ? " (in use)" : ""));
            foreach (var dims in found.Sample)
            {
                await output.WriteLineAsync($"  model={Visible(dims.Model)} provider={Visible(dims.Provider)} feature={Visible(dims.Feature)} team={Visible(dims.Team)} operation={Visible(dims.Operation)}");
            }
        }

        if (detection.Suggestion is { } suggestion)
        {
            await output.WriteLineAsync($"Suggestion: {suggestion}");
            return 3;
        }

        return 0;
    }

    private static string Visible(string text) => string.Concat(text.Select(c => char.IsControl(c) ? '?' : c));

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                var name = args[i][2..];
                var eq = name.IndexOf('=');
                if (eq > 0)
                {
                    options[name[..eq]] = name[(eq + 1)..];
                }
                else if (i + 1 < args.Length)
                {
                    options[name] = args[++i];
                }
            }
        }

        return options;
    }

    private static string Prompt(string label)
    {
        Console.Write(label);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0) text.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }

    public const string Usage = """
        usage:
          CostConsole migrate
              apply pending database migrations and exit
          CostConsole db copy --to "Host=H;Database=D;Username=U"
              copy the configured database (SQLite, say) into an empty PostgreSQL database, migrating it first;
              prints every table's rows on both sides and refuses a target that holds data
          CostConsole users create --email EMAIL --role Finance|Engineer|Manager|Admin [--password-env VAR]
              create a user; the password comes from $COSTCONSOLE_PASSWORD (or VAR), else it is prompted
          CostConsole prices import FILE
              import price entries from CSV (header: model,effective_from_utc,input_usd_per_mtok,...); all or nothing
          CostConsole tokens create --name NAME --role ROLE
              create an API token for scripts; it is printed once
          CostConsole teams create --name NAME [--manager EMAIL]
              create a team (or find it), optionally with a manager; prints the team's id
          CostConsole ledger sync [--until ISO]
              ingest closed hours into the token ledger up to that hour (default: now), with progress, then exit
          CostConsole sources detect
              list the known profiles with data in Prometheus, how their labels fill and map into dimensions, and
              suggest the profile to use (exit 3 when the configured one finds nothing and another does)

        Every command checks the settings first. Add --verbose to see the log's Information lines as well.
        """;
}
