using System.Diagnostics;
using System.Text.Json;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A real SMTP server on loopback: the npm package maildev (a dev dependency in package.json), whose REST API lists
/// what arrived. Stopped on dispose, and (started like Prometheus) on the test process' exit.
/// </summary>
public sealed class MailDevServer : IAsyncDisposable
{
    private readonly Process _process;

    private MailDevServer(Process process, int smtpPort, int webPort)
    {
        (_process, SmtpPort, WebPort) = (process, smtpPort, webPort);
    }

    public int SmtpPort { get; }

    public int WebPort { get; }

    public static async Task<MailDevServer> StartAsync()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "package.json")))
        {
            root = root.Parent;
        }

        var bin = Path.Combine(root?.FullName ?? throw new DirectoryNotFoundException("package.json was not found above the tests"), "node_modules", ".bin", "maildev");
        if (!File.Exists(bin))
        {
            throw new FileNotFoundException($"maildev is not installed at {bin}: run `npm ci` at the repository root (the test command does).");
        }

        var (smtp, web) = (PrometheusServer.FreePort(), PrometheusServer.FreePort());
        var log = new StringWriterLog();
        var process = PrometheusServer.Start(bin, ["--smtp", $"{smtp}", "--web", $"{web}", "--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--silent"], log);
        var server = new MailDevServer(process, smtp, web);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited) throw new InvalidOperationException($"maildev exited with {process.ExitCode}: {log.Text}");
            try
            {
                await http.GetStringAsync($"http://127.0.0.1:{web}/email");
                // Another maildev started at the same moment may hold a port this one failed to bind; this one would then be exiting.
                await Task.Delay(300);
                if (process.HasExited) throw new InvalidOperationException($"maildev exited with {process.ExitCode}: {log.Text}");
                return server;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(200);
            }
        }

        await server.DisposeAsync();
        throw new TimeoutException($"maildev did not answer within 30 s: {log.Text}");
    }

    /// <summary>What arrived: subject, recipients' addresses, the plain text and the HTML.</summary>
    public async Task<IReadOnlyList<(string Subject, IReadOnlyList<string> To, string Text, string Html)>> MessagesAsync()
    {
        using var http = new HttpClient();
        using var document = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{WebPort}/email"));
        return [.. document.RootElement.EnumerateArray().Select(m => (
            m.GetProperty("subject").GetString() ?? "",
            (IReadOnlyList<string>)[.. m.GetProperty("to").EnumerateArray().Select(t => t.GetProperty("address").GetString() ?? "")],
            m.TryGetProperty("text", out var text) ? text.GetString() ?? "" : "",
            m.TryGetProperty("html", out var html) ? html.GetString() ?? "" : ""))];
    }

    private void Stop()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
