using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace CostConsole.Tests.Shared;

/// <summary>
/// CostConsole started the way its users start it: <c>dotnet CostConsole.dll</c> as a child process, configured only
/// through environment variables, in the Production environment, with none of the test host's settings. Its commands
/// (users, tokens) run through the same binary. Killed on dispose and when the test process exits.
/// </summary>
public sealed class ProductProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ProductProcess(Process process, string baseUrl, StringWriterLog log)
    {
        (_process, BaseUrl, Log) = (process, baseUrl, log);
    }

    public string BaseUrl { get; }

    public StringWriterLog Log { get; }

    /// <summary>The repository's top folder (the one holding CostConsole.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "CostConsole.sln")))
            {
                folder = folder.Parent;
            }

            return folder?.FullName ?? throw new DirectoryNotFoundException("CostConsole.sln was not found above the tests");
        }
    }

    /// <summary>The configuration the tests were built in (…/bin/Release/net10.0/ → Release), which the app was built in too.</summary>
    public static string Configuration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    /// <summary>The app's own build output, what `dotnet run` and `dotnet build` leave: src/CostConsole/bin/…/CostConsole.dll.</summary>
    public static string BuildOutput => Path.Combine(RepositoryRoot, "src", "CostConsole", "bin", Configuration, "net10.0", "CostConsole.dll");

    /// <summary>Publishes the app (already built by the test command) into <paramref name="folder"/>, as the Dockerfile does.</summary>
    public static async Task PublishAsync(string folder)
    {
        var log = new StringWriterLog();
        using var publish = PrometheusServer.Start("dotnet",
            ["publish", Path.Combine(RepositoryRoot, "src", "CostConsole", "CostConsole.csproj"), "-c", Configuration, "--no-build", "-o", folder, "-v", "quiet", "-nologo"], log);
        await publish.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}): {log.Text}");
        }
    }

    /// <summary>The environment a user's shell would pass: theirs, without any environment name or test setting.</summary>
    private static void UserEnvironment(ProcessStartInfo info, IReadOnlyDictionary<string, string?> settings)
    {
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k == "COSTCONSOLE_PASSWORD").ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in settings)
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
    }

    /// <summary>Runs one of the app's commands to its end, with no standard input.</summary>
    public static async Task<(int Code, string Output, string Error)> RunCommandAsync(string dll, IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(dll)! };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        UserEnvironment(info, settings);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Starts the web app from <paramref name="dll"/> in its own folder on a free loopback port and waits until it answers /healthz.</summary>
    public static async Task<ProductProcess> StartAsync(string dll, IReadOnlyDictionary<string, string?> settings)
    {
        var port = PrometheusServer.FreePort();
        var log = new StringWriterLog();
        // Started like the tests' other child processes: output collected, killed when the test process exits.
        var process = PrometheusServer.Start("dotnet", [dll], log, info =>
        {
            info.WorkingDirectory = Path.GetDirectoryName(dll)!;
            UserEnvironment(info, new Dictionary<string, string?>(settings) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" });
        });
        var app = new ProductProcess(process, $"http://127.0.0.1:{port}", log);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"CostConsole exited with {process.ExitCode} before it answered: {log.Text}");
            }

            try
            {
                using var live = await http.GetAsync($"{app.BaseUrl}/healthz");
                if (live.IsSuccessStatusCode) return app;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        await app.DisposeAsync();
        throw new TimeoutException($"CostConsole did not answer /healthz within 90 s: {log.Text}");
    }

    /// <summary>Waits until the app's ledger holds every closed hour up to <paramref name="hour"/>, read through the spend API with a token.</summary>
    public static async Task WaitForLedgerAsync(string baseUrl, string token, DateTimeOffset hour, TimeSpan limit)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var query = $"/api/v1/spend?from={hour.AddHours(-1):yyyy-MM-ddTHH}:00:00Z&to={hour:yyyy-MM-ddTHH}:00:00Z";
        await WaitUntil.ValueAsync(() => http.GetFromJsonAsync<JsonElement>(query),
            answer => answer.GetProperty("ledgerThrough").ValueKind == JsonValueKind.String && answer.GetProperty("ledgerThrough").GetDateTimeOffset() >= hour,
            limit, $"the ledger to reach {hour:u}", answer => answer.GetRawText());
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Kills the app at once (SIGKILL: no shutdown, no cleanup), as a crashed node would stop.</summary>
    public async Task KillAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync();
        // Not disposed: the tests' exit handler (PrometheusServer) still looks at every child it started.
    }
}
