using Microsoft.Extensions.Logging;

namespace CostConsole.Tests.Shared;

/// <summary>Every log line (message and exception) into a list, for tests that check what was, and was not, logged.</summary>
public sealed class ListLogger(List<string> lines) : ILoggerProvider, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (lines) lines.Add(formatter(state, exception) + " " + exception);
    }

    public void Dispose()
    {
    }
}
