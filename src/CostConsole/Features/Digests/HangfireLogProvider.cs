using Hangfire.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;
using MsLevel = Microsoft.Extensions.Logging.LogLevel;

namespace CostConsole.Features.Digests;

/// <summary>
/// Hangfire's log lines into the app's logging. Hangfire keeps its log provider process-wide, so when another app
/// instance in the same process (the tests run several) has set it and since stopped, its disposed logger factory
/// yields silence instead of an exception inside a job.
/// </summary>
internal sealed class HangfireLogProvider(ILoggerFactory factory) : ILogProvider
{
    public ILog GetLogger(string name)
    {
        try
        {
            return new AppLog(factory.CreateLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new AppLog(null);
        }
    }

    private sealed class AppLog(ILogger? logger) : ILog
    {
        public bool Log(HangfireLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            if (logger is null) return false;
            var level = logLevel switch
            {
                HangfireLevel.Trace => MsLevel.Trace,
                HangfireLevel.Debug => MsLevel.Debug,
                HangfireLevel.Info => MsLevel.Information,
                HangfireLevel.Warn => MsLevel.Warning,
                HangfireLevel.Error => MsLevel.Error,
                _ => MsLevel.Critical,
            };
            try
            {
                if (!logger.IsEnabled(level)) return false;
                if (messageFunc is null) return true;
                logger.Log(level, exception, "{Message}", messageFunc());
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
