using System.Diagnostics;
using System.Text.RegularExpressions;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// The README's demo command itself, as a newcomer runs it: `bash .ci/demo.sh` with a short history, up to the point
/// where it prints its URL and users; then the URL answers, Finance's overview renders styled and live in Debian
/// Chromium, and on Ctrl+C (here SIGINT) every process it started is gone.
/// </summary>
[Collection(ProductCollection.Name)]
public sealed partial class DemoScriptTests : IAsyncLifetime
{
    private readonly BrowserFixture _browser = new();
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("costconsole-demo-");

    public Task InitializeAsync() => _browser.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        try
        {
            _state.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"^\s+CostConsole\s+(http://\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex AppUrl();

    [GeneratedRegex(@"^\s+Finance\s+(\S+@\S+)\s+(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex FinanceUser();

    [GeneratedRegex(@"^\s+Engineer\s+(\S+@sso\.demo\.test)\s+(\S+)\s+\S+\s*$", RegexOptions.Multiline)]
    private static partial Regex SingleSignOnEngineer();

    [Fact]
    public async Task The_demo_comes_up_serves_a_styled_overview_and_leaves_nothing_running_when_stopped()
    {
        var log = new StringWriterLog();
        // Through env --default-signal=INT: a test run started in the background of a non-interactive shell inherits SIGINT
        // ignored, and bash cannot trap a signal ignored on entry; a user's terminal never starts it that way.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = ProductProcess.RepositoryRoot };
        foreach (var argument in (string[])["--default-signal=INT", "bash", ".ci/demo.sh"]) info.ArgumentList.Add(argument);
        info.Environment["DEMO_DAYS"] = "2";
        info.Environment["DEMO_STATE"] = _state.FullName;
        using var demo = new Process { StartInfo = info };
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        demo.OutputDataReceived += (_, e) =>
        {
            log.Append(e.Data);
            if (e.Data?.Contains("Press Ctrl+C to stop", StringComparison.Ordinal) == true) up.TrySetResult();
        };
        demo.ErrorDataReceived += (_, e) => log.Append(e.Data);
        demo.Start();
        demo.StandardInput.Close();
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            var exited = demo.WaitForExitAsync();
            var first = await Task.WhenAny(up.Task, exited, Task.Delay(TimeSpan.FromMinutes(10)));
            Assert.True(first == up.Task, $"the demo did not come up: {log.Text}");

            var printed = log.Text;
            var url = AppUrl().Match(printed).Groups[1].Value;
            var finance = FinanceUser().Match(printed);
            Assert.True(url.Length > 0 && finance.Success, $"the demo did not print its URL and users: {printed}");
            // The budget story is set from the month to date the ledger holds; in a month's first hour nothing is spent yet.
            var now = DateTimeOffset.UtcNow;
            if (now.Day > 1 || now.Hour > 0)
            {
                Assert.Matches(@"growth: \$[0-9.]+ of \$[0-9.]+, over", printed);
                Assert.Matches(@"search: \$[0-9.]+ of \$[0-9.]+, at risk", printed);
            }

            using (var http = new HttpClient())
            using (var login = await http.GetAsync(url + "/account/login"))
            {
                Assert.True(login.IsSuccessStatusCode, $"{url} answered {(int)login.StatusCode}");
            }

            var page = await ProductChecks.SignInAsync(_browser.Browser, url, finance.Groups[1].Value, finance.Groups[2].Value);
            await ProductChecks.AssertStyledAndLiveAsync(page);
            await page.WaitForSelectorAsync("[data-testid='overview-chart'] .apexcharts-svg", new() { Timeout = 60_000 });
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "demo-finance-overview-1280x800.png") });

            // Single sign-on through the demo's identity provider: the person's group makes them an Engineer.
            var sso = SingleSignOnEngineer().Match(printed);
            Assert.True(sso.Success, $"the demo did not print its single sign-on people: {printed}");
            await _browser.Browser.ClearCookiesAsync();
            var ssoPage = await _browser.Browser.NewPageAsync();
            await ssoPage.GotoAsync(url + "/account/login");
            await ProductChecks.SignInThroughProviderAsync(ssoPage, sso.Groups[1].Value, sso.Groups[2].Value);
            await ssoPage.WaitForURLAsync(url + "/");
            Assert.Equal("Engineer", (await ssoPage.InnerTextAsync("[data-testid='signed-in-role']")).Trim());
            Assert.Equal(sso.Groups[1].Value, (await ssoPage.InnerTextAsync("[data-testid='signed-in-user']")).Trim());
        }
        finally
        {
            // Ctrl+C, as a user stops it.
            if (!demo.HasExited)
            {
                using var interrupt = Process.Start("kill", ["-INT", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await interrupt.WaitForExitAsync();
            }

            try
            {
                await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            }
            catch (TimeoutException)
            {
                // Say which of its processes would not stop, and what the app logged last, before cleaning up.
                var pids = Path.Combine(_state.FullName, "pids");
                var alive = File.Exists(pids) ? File.ReadAllLines(pids).Where(p => p.Length > 0 && Directory.Exists($"/proc/{p}")).Select(p => $"{p} {ReadCommandLine(p)}").ToList() : [];
                var appLog = Path.Combine(_state.FullName, "costconsole.log");
                var tail = File.Exists(appLog) ? string.Join('\n', File.ReadLines(appLog).TakeLast(40)) : "(no app log)";
                demo.Kill(entireProcessTree: true);
                foreach (var pid in alive.Select(a => a.Split(' ')[0])) Process.Start("kill", ["-9", pid])?.WaitForExit();
                throw new TimeoutException($"the demo did not stop within a minute of Ctrl+C; still running: {string.Join("; ", alive)}\ndemo output:\n{log.Text}\napp log:\n{tail}");
            }
        }

        Assert.Contains("Stopped.", log.Text);
        // Every background process it recorded is gone, and no process is left that runs from its state folder.
        var started = (await File.ReadAllLinesAsync(Path.Combine(_state.FullName, "pids"))).Where(l => l.Length > 0).ToList();
        Assert.Equal(5, started.Count);
        Assert.All(started, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} outlived the demo"));
        var leftovers = Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit))
            .Select(p => (Pid: p!, Command: ReadCommandLine(p!))).Where(p => p.Command.Contains(_state.FullName, StringComparison.Ordinal)).ToList();
        Assert.True(leftovers.Count == 0, $"still running: {string.Join("; ", leftovers.Select(l => $"{l.Pid} {l.Command}"))}");
    }

    private static string ReadCommandLine(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
