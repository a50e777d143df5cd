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
    private readonly Thread _loop;

    public CounterExporter(IReadOnlyList<(string Metric, IReadOnlyDictionary<string, string> Labels, double PerSecond)> series)
    {
        _series = series;
        Port = PrometheusServer.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        // Its own thread with blocking I/O: scrapes are answered even when the thread pool is busy with other tests.
        _loop = new Thread(Serve) { IsBackground = true, Name = "counter-exporter" };
        _loop.Start();
    }

    public int Port { get; }

    public string Target => $"127.0.0.1:{Port}";

    private void Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = _listener.GetContext();
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
            try
            {
                context.Response.OutputStream.Write(body);
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // Prometheus gave up on this scrape; the next one is answered.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Join(TimeSpan.FromSeconds(5));
        return ValueTask.CompletedTask;
    }
}
