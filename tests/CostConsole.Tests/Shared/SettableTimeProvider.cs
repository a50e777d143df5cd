namespace CostConsole.Tests.Shared;

/// <summary>A clock the test moves by hand, for following one month through several instants.</summary>
public sealed class SettableTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
