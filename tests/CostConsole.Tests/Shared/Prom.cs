using CostConsole.Prometheus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CostConsole.Tests.Shared;

/// <summary>Builds a real <see cref="PrometheusClient"/> over a plain HttpClient.</summary>
public static class Prom
{
    public static PrometheusClient Client(string baseUrl, int timeoutSeconds = 30) =>
        new(new HttpClient { Timeout = Timeout.InfiniteTimeSpan },
            Options.Create(new PrometheusOptions { BaseUrl = baseUrl, TimeoutSeconds = timeoutSeconds }),
            NullLogger<PrometheusClient>.Instance);
}
