namespace CostConsole.Tests.Shared;

/// <summary>A clock that starts at a chosen instant and then runs at real speed (timers stay real).</summary>
public sealed class ShiftedTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly DateTimeOffset _realStart = System.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => start + (System.GetUtcNow() - _realStart);
}
