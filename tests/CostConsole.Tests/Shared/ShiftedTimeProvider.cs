namespace CostConsole.Tests.Shared;

/// <summary>A clock that starts at a chosen instant and then runs at real speed (timers stay real); it can jump ahead.</summary>
public sealed class ShiftedTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly DateTimeOffset _realStart = System.GetUtcNow();
    private long _jumpTicks;

    public override DateTimeOffset GetUtcNow() => start + (System.GetUtcNow() - _realStart) + TimeSpan.FromTicks(Interlocked.Read(ref _jumpTicks));

    /// <summary>Moves the clock forward, e.g. past the end of a history so its hours close.</summary>
    public void Jump(TimeSpan by) => Interlocked.Add(ref _jumpTicks, by.Ticks);
}
