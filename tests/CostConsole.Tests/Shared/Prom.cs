using CostConsole.Prometheus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CostConsole.Tests.Shared;

/// <summary>Builds a real <see cref="PrometheusClient"/> over plain HttpClients.</summary>
public static class Prom
{
    public static PrometheusClient Client(string baseUrl, int timeoutSeconds = 30) =>
        new(new PlainClients(),
            Options.Create(new PrometheusOptions { BaseUrl = baseUrl, TimeoutSeconds = timeoutSeconds }),
            NullLogger<PrometheusClient>.Instance);

    /// <summary>One HttpClient for every call, as the app's factory would hand out (the client enforces its own timeout).</summary>
    public sealed class PlainClients : IHttpClientFactory
    {
        private readonly HttpClient _client = new() { Timeout = Timeout.InfiniteTimeSpan };

        public HttpClient CreateClient(string name) => _client;
    }
}
