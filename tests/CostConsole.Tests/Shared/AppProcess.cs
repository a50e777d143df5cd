namespace CostConsole.Tests.Shared;

/// <summary>Runs the app's real binary (CostConsole.dll beside the tests) as a user would, with no standard input.</summary>
public static class AppProcess
{
    public static Task<(int Code, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        ProductProcess.RunCommandAsync(Path.Combine(AppContext.BaseDirectory, "CostConsole.dll"), environment, args);
}
