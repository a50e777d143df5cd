using System.Diagnostics;

namespace CostConsole.Tests.Shared;

/// <summary>Runs the app's real binary (CostConsole.dll beside the tests) as a user would, with no standard input.</summary>
public static class AppProcess
{
    public static async Task<(int Code, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CostConsole.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment.Remove("COSTCONSOLE_PASSWORD");
        foreach (var (name, value) in environment)
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await error);
    }
}
