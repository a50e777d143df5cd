using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A real HTTP proxy in front of a real Prometheus that, while <see cref="Hiding"/>, leaves out of every query answer
/// the raw samples stamped at or after <see cref="HideFrom"/>: as if they had not arrived yet (remote-write lag, a slow
/// scrape). Everything else passes through untouched.
/// </summary>
public sealed class LateSampleProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LateSampleProxy(WebApplication app, string baseUrl, DateTimeOffset hideFrom)
    {
        _app = app;
        BaseUrl = baseUrl;
        HideFrom = hideFrom;
    }

    public string BaseUrl { get; }
    public DateTimeOffset HideFrom { get; }
    public volatile bool Hiding = true;

    public static async Task<LateSampleProxy> StartAsync(string prometheusUrl, DateTimeOffset hideFrom)
    {
        var port = PrometheusServer.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var proxy = new LateSampleProxy(app, $"http://127.0.0.1:{port}", hideFrom);
        var upstream = new HttpClient { BaseAddress = new Uri(prometheusUrl) };
        var cutoff = hideFrom.ToUnixTimeMilliseconds() / 1000.0;
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
            if (proxy.Hiding && context.Request.Path == "/api/v1/query" && JsonNode.Parse(body) is JsonObject answer
                && answer["data"]?["result"] is JsonArray series && answer["data"]?["resultType"]?.GetValue<string>() == "matrix")
            {
                foreach (var one in series.OfType<JsonObject>())
                {
                    if (one["values"] is not JsonArray values) continue;
                    foreach (var sample in values.OfType<JsonArray>().Where(s => s[0]!.GetValue<double>() >= cutoff).ToList())
                    {
                        values.Remove(sample);
                    }
                }

                body = answer.ToJsonString();
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
