using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A real HTTP proxy in front of a real Prometheus that, while <see cref="Fault"/> is set, rewrites the body of
/// every <c>/api/v1/query</c> answer whose query reads <see cref="Metric"/> (cut short, broken, padded); every other
/// call passes through untouched.
/// </summary>
public sealed class FaultyAnswerProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FaultyAnswerProxy(WebApplication app, string baseUrl, string metric)
    {
        _app = app;
        BaseUrl = baseUrl;
        Metric = metric;
    }

    public string BaseUrl { get; }

    /// <summary>The metric whose raw reads are faulted.</summary>
    public string Metric { get; }

    /// <summary>Turns Prometheus' body into the faulty one; null passes answers through.</summary>
    public Func<string, string>? Fault { get; set; }

    /// <summary>How long each read of <see cref="Metric"/> is held before it is answered (a slow Prometheus).</summary>
    public TimeSpan Delay { get; set; }

    public int FaultsSent => _faults;
    private int _faults;

    public static async Task<FaultyAnswerProxy> StartAsync(string prometheusUrl, string metric)
    {
        var port = PrometheusServer.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var proxy = new FaultyAnswerProxy(app, $"http://127.0.0.1:{port}", metric);
        var upstream = new HttpClient { BaseAddress = new Uri(prometheusUrl) };
        app.Run(async context =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
            var query = "";
            if (context.Request.HasFormContentType)
            {
                var form = await context.Request.ReadFormAsync();
                query = form["query"].ToString();
                request.Content = new FormUrlEncodedContent(form.SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? ""))));
            }

            if (proxy.Delay > TimeSpan.Zero && query.StartsWith(metric, StringComparison.Ordinal))
            {
                await Task.Delay(proxy.Delay);
            }

            using var response = await upstream.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (proxy.Fault is { } fault && context.Request.Path == "/api/v1/query" && query.StartsWith(metric, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref proxy._faults);
                body = fault(body);
            }

            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        });
        await app.StartAsync();
        return proxy;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
