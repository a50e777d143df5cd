using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A real HTTP proxy in front of a real Prometheus that marks the first <c>partialAnswers</c> query answers as
/// partial (a warnings field, as Thanos sends when a store is down). Everything else passes through untouched.
/// </summary>
public sealed class PartialAnswerProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _remaining;

    private PartialAnswerProxy(WebApplication app, int partialAnswers, string baseUrl)
    {
        _app = app;
        _remaining = partialAnswers;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public int PartialAnswersSent { get; private set; }

    public static async Task<PartialAnswerProxy> StartAsync(string prometheusUrl, int partialAnswers)
    {
        var port = PrometheusServer.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var proxy = new PartialAnswerProxy(app, partialAnswers, $"http://127.0.0.1:{port}");
        var upstream = new HttpClient { BaseAddress = new Uri(prometheusUrl) };
        app.Run(async context =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
            if (context.Request.HasFormContentType)
            {
                var form = await context.Request.ReadFormAsync();
                request.Content = new FormUrlEncodedContent(form.SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? ""))));
            }

            using var response = await upstream.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (context.Request.Path == "/api/v1/query" && body.StartsWith("{\"status\":\"success\"", StringComparison.Ordinal) && Interlocked.Decrement(ref proxy._remaining) >= 0)
            {
                proxy.PartialAnswersSent++;
                body = body[..^1] + ",\"warnings\":[\"partial response: store 2 unreachable\"]}";
            }

            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        });
        await app.StartAsync();
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
