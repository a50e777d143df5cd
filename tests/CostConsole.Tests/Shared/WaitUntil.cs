using System.Diagnostics;

namespace CostConsole.Tests.Shared;

/// <summary>
/// The one way the tests wait for something that happens in the background (an evaluation, a job, a revalidation):
/// ask until the answer is the expected one, within a limit, and say what was awaited and what was last seen.
/// Never a fixed sleep, and never a wait to prove that something did not happen.
/// </summary>
public static class WaitUntil
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);

    /// <summary>Asks <paramref name="read"/> until <paramref name="done"/> holds for its answer, and returns that answer.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan limit, string what, Func<T, string>? describe = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for {what}; last seen: {(describe is null ? value?.ToString() : describe(value))}");
            }

            await Task.Delay(Pause);
        }
    }

    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan limit, string what) =>
        ValueAsync(condition, done => done, limit, what);
}
