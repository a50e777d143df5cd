using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A local stand-in for the providers' admin APIs we cannot reach, built from their documented request and response
/// shapes: Anthropic's <c>/v1/organizations/usage_report/messages</c> and <c>/cost_report</c> (<c>x-api-key</c> and
/// <c>anthropic-version</c> headers, RFC 3339 <c>starting_at</c>/<c>ending_at</c>, <c>page</c>), OpenAI's
/// <c>/v1/organization/usage/completions</c> and <c>/costs</c> (Bearer key, Unix-second <c>start_time</c>/<c>end_time</c>,
/// <c>page</c>). Each serves the time buckets it was given that fall in the asked window, <see cref="PageSize"/> per
/// page with <c>has_more</c>/<c>next_page</c>; <see cref="Faults"/> answers the next requests with scripted errors.
/// </summary>
public sealed class FakeProviderApi : IAsyncDisposable
{
    public const string AnthropicKey = "sk-ant-admin-test-key";
    public const string OpenAiKey = "sk-admin-test-key";

    private readonly WebApplication _app;

    private FakeProviderApi(WebApplication app, string baseUrl) => (_app, BaseUrl) = (app, baseUrl);

    public string BaseUrl { get; }

    /// <summary>Path → the buckets it holds (each an object with its own start and end and its results).</summary>
    public ConcurrentDictionary<string, List<JsonObject>> Buckets { get; } = new();

    /// <summary>Scripted answers for the next requests, in order: a status and its Retry-After seconds (null: none).</summary>
    public ConcurrentQueue<(HttpStatusCode Status, int? RetryAfterSeconds)> Faults { get; } = new();

    public int PageSize { get; set; } = 2;

    /// <summary>Every request: path, query, status answered.</summary>
    public ConcurrentQueue<(string Path, string Query, int Status)> Requests { get; } = new();

    public static async Task<FakeProviderApi> StartAsync()
    {
        var port = PrometheusServer.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var api = new FakeProviderApi(app, $"http://127.0.0.1:{port}");
        app.Run(context => api.AnswerAsync(context));
        await app.StartAsync();
        return api;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var query = context.Request.Query;
        var anthropic = path.StartsWith("/v1/organizations/", StringComparison.Ordinal);
        int status;
        if (anthropic ? context.Request.Headers["x-api-key"] != AnthropicKey || context.Request.Headers["anthropic-version"] != "2023-06-01"
                      : context.Request.Headers.Authorization != $"Bearer {OpenAiKey}")
        {
            status = 401;
            context.Response.StatusCode = status;
            await context.Response.WriteAsync("""{"error":{"type":"authentication_error","message":"invalid x-api-key"}}""");
        }
        else if (Faults.TryDequeue(out var fault))
        {
            status = (int)fault.Status;
            context.Response.StatusCode = status;
            if (fault.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await context.Response.WriteAsync("""{"error":{"type":"rate_limit_error","message":"scripted"}}""");
        }
        else if (!Buckets.TryGetValue(path, out var buckets))
        {
            status = 404;
            context.Response.StatusCode = status;
        }
        else
        {
            DateTimeOffset Start(JsonObject bucket) => anthropic ? DateTimeOffset.Parse(bucket["starting_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
                : DateTimeOffset.FromUnixTimeSeconds(bucket["start_time"]!.GetValue<long>());
            var from = anthropic ? DateTimeOffset.Parse(query["starting_at"]!, System.Globalization.CultureInfo.InvariantCulture) : DateTimeOffset.FromUnixTimeSeconds(long.Parse(query["start_time"]!, System.Globalization.CultureInfo.InvariantCulture));
            var to = anthropic ? DateTimeOffset.Parse(query["ending_at"]!, System.Globalization.CultureInfo.InvariantCulture) : DateTimeOffset.FromUnixTimeSeconds(long.Parse(query["end_time"]!, System.Globalization.CultureInfo.InvariantCulture));
            var inWindow = buckets.Where(b => Start(b) >= from && Start(b) < to).OrderBy(Start).ToList();
            var index = query["page"] is { Count: > 0 } page ? int.Parse(page.ToString()[1..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            var slice = inWindow.Skip(index * PageSize).Take(PageSize).Select(b => (JsonNode)b.DeepClone()).ToList();
            var more = (index + 1) * PageSize < inWindow.Count;
            var body = new JsonObject { ["data"] = new JsonArray([.. slice]), ["has_more"] = more, ["next_page"] = more ? $"p{index + 1}" : null };
            if (!anthropic) body.Insert(0, "object", "page");
            status = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body.ToJsonString());
        }

        Requests.Enqueue((path, context.Request.QueryString.Value ?? "", status));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
