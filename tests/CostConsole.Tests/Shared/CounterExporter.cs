using System.Globalization;
using System.Net;
using System.Text;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A tiny exporter on a loopback port for a test Prometheus to scrape: counters that grow at a fixed rate per second
/// from the moment it starts, in the Prometheus text format.
/// </summary>
public sealed class CounterExporter : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly IReadOnlyList<(string Metric, IReadOnlyDictionary<string, string> Labels, double PerSecond)> _series;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly Task _loop;

    public CounterExporter(IReadOnlyList<(string Metric, IReadOnlyDictionary<string, string> Labels, double PerSecond)> series)
    {
        _series = series;
        Port = PrometheusServer.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Target => $"127.0.0.1:{Port}";

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var seconds = (DateTimeOffset.UtcNow - _started).TotalSeconds;
            var text = new StringBuilder();
            foreach (var metric in _series.GroupBy(s => s.Metric))
            {
                text.Append("# TYPE ").Append(metric.Key).Append(" counter\n");
                foreach (var (_, labels, perSecond) in metric)
                {
                    text.Append(metric.Key).Append('{')
                        .AppendJoin(',', labels.Select(l => $"{l.Key}=\"{l.Value}\""))
                        .Append("} ").Append(Math.Floor(perSecond * seconds).ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }

            var body = Encoding.UTF8.GetBytes(text.ToString());
            context.Response.ContentType = "text/plain; version=0.0.4";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
