using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CostConsole.Features.Identity;
using CostConsole.Features.Reconcile;
using CostConsole.Tests.Shared;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The scheduled pull against a local fake of both admin APIs: every page is read, a 429 is retried after its
/// Retry-After and a 500 after the configured delay, and the pulled reports fill the same tables, to the line, as
/// importing the same reports as files; a request that keeps failing is recorded as failed and stores nothing.
/// </summary>
public sealed class ReportPullTests
{
    // Five days of November; the app's clock is on the fifth, so a pull reads October and November 1–5.
    private static readonly DateTimeOffset Now = new(2026, 11, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly First = new(2026, 11, 1);

    private static JsonObject AnthropicBucket(DateOnly day, JsonArray results) => new()
    {
        ["starting_at"] = $"{day:yyyy-MM-dd}T00:00:00Z", ["ending_at"] = $"{day.AddDays(1):yyyy-MM-dd}T00:00:00Z", ["results"] = results,
    };

    private static JsonObject OpenAiBucket(DateOnly day, JsonArray results) => new()
    {
        ["object"] = "bucket",
        ["start_time"] = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds(),
        ["end_time"] = new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds(),
        ["results"] = results,
    };

    /// <summary>Day i's usage and cost: simple multiples of i, so every line differs.</summary>
    private static Dictionary<string, List<JsonObject>> Reports() => new()
    {
        ["/v1/organizations/usage_report/messages"] = [.. Enumerable.Range(0, 5).Select(i => AnthropicBucket(First.AddDays(i), [new JsonObject
        {
            ["uncached_input_tokens"] = 1000 * (i + 1), ["cache_creation"] = new JsonObject { ["ephemeral_1h_input_tokens"] = 10 * i, ["ephemeral_5m_input_tokens"] = 20 * i },
            ["cache_read_input_tokens"] = 300 * i, ["output_tokens"] = 100 * (i + 1), ["model"] = "claude-sonnet-4-5", ["service_tier"] = i == 4 ? "batch" : "standard", ["workspace_id"] = "wrkspc_a",
        }]))],
        ["/v1/organizations/cost_report"] = [.. Enumerable.Range(0, 5).Select(i => AnthropicBucket(First.AddDays(i), [new JsonObject
        {
            ["currency"] = "USD", ["amount"] = (300m * (i + 1)).ToString(CultureInfo.InvariantCulture), ["cost_type"] = "tokens", ["token_type"] = "uncached_input_tokens",
            ["model"] = "claude-sonnet-4-5", ["service_tier"] = "standard", ["workspace_id"] = "wrkspc_a", ["description"] = "input",
        }]))],
        ["/v1/organization/usage/completions"] = [.. Enumerable.Range(0, 5).Select(i => OpenAiBucket(First.AddDays(i), [new JsonObject
        {
            ["object"] = "organization.usage.completions.result", ["input_tokens"] = 2000 * (i + 1), ["input_cached_tokens"] = 500 * i, ["output_tokens"] = 200 * (i + 1),
            ["num_model_requests"] = i + 1, ["model"] = "gpt-4o-2024-11-20", ["project_id"] = "proj_a", ["batch"] = i == 2,
        }]))],
        ["/v1/organization/costs"] = [.. Enumerable.Range(0, 5).Select(i => OpenAiBucket(First.AddDays(i), [new JsonObject
        {
            ["object"] = "organization.costs.result", ["amount"] = new JsonObject { ["value"] = 0.5m * (i + 1), ["currency"] = "usd" }, ["line_item"] = "gpt-4o-2024-11-20, input", ["project_id"] = "proj_a",
        }]))],
    };

    private static Dictionary<string, string?> Settings(FakeProviderApi api) => new()
    {
        ["Reports:Anthropic:AdminKey"] = FakeProviderApi.AnthropicKey, ["Reports:Anthropic:BaseUrl"] = api.BaseUrl,
        ["Reports:OpenAI:AdminKey"] = FakeProviderApi.OpenAiKey, ["Reports:OpenAI:BaseUrl"] = api.BaseUrl,
        ["Reports:RetryDelaySeconds"] = "0.2", ["Reports:MaxAttempts"] = "4",
    };

    private static async Task<List<string>> StoredLinesAsync(AppFactory app) =>
        [.. (await app.Services.GetRequiredService<ProviderReportStore>().LinesAsync(First.AddDays(-40), First.AddDays(10))).Select(l => $"{l.Source} {l.Line}").Order(StringComparer.Ordinal)];

    [Fact]
    public async Task The_hangfire_job_pulls_every_page_through_a_429_and_a_500_into_the_tables_a_file_import_fills()
    {
        await using var api = await FakeProviderApi.StartAsync();
        foreach (var (path, buckets) in Reports()) api.Buckets[path] = buckets;
        // The first request is rate limited (retry after 1 s), the retry meets a server error, the next one succeeds.
        api.Faults.Enqueue((HttpStatusCode.TooManyRequests, 1));
        api.Faults.Enqueue((HttpStatusCode.InternalServerError, null));
        var settings = Settings(api);
        settings["Digests:Worker"] = "true";
        settings["Digests:PollSeconds"] = "1";
        using var pulled = new AppFactory("http://127.0.0.1:9", settings, new ShiftedTimeProvider(Now));

        var storage = pulled.Services.GetRequiredService<JobStorage>();
        var job = await WaitUntil.ValueAsync(() => Task.FromResult(storage.GetConnection().GetRecurringJobs().SingleOrDefault(j => j.Id == ReportPullJob.JobId)),
            j => j is not null, TimeSpan.FromSeconds(30), "the daily pull to be scheduled");
        Assert.Equal("0 6 * * *", job!.Cron);
        pulled.Services.GetRequiredService<IRecurringJobManager>().Trigger(ReportPullJob.JobId);
        var puller = pulled.Services.GetRequiredService<ReportPuller>();
        var pulls = await WaitUntil.ValueAsync(() => puller.RecentAsync(), p => p.Count == 8, TimeSpan.FromSeconds(60), "the job to record its eight pulls (two reports × two providers × two months)");
        Assert.All(pulls, p => Assert.True(p.Ok, p.Message));

        var requests = api.Requests.ToList();
        Assert.Equal([429, 500, 200], requests.Take(3).Select(r => r.Status));
        Assert.Equal(requests[0].Query, requests[2].Query);
        // Five November days at two buckets a page: three pages per report.
        Assert.Equal(3, requests.Count(r => r.Path == "/v1/organizations/usage_report/messages" && r.Status == 200 && r.Query.Contains("starting_at=2026-11-01", StringComparison.Ordinal)));
        Assert.Contains(requests, r => r.Path == "/v1/organization/usage/completions" && r.Query.Contains("page=p2", StringComparison.Ordinal));

        // The same reports imported as files (one page each) into a fresh app store the same lines.
        using var uploaded = new AppFactory("http://127.0.0.1:9", null, new ShiftedTimeProvider(Now));
        var finance = await uploaded.SignedInAsync(Roles.Finance);
        foreach (var (path, buckets) in Reports())
        {
            var format = path switch
            {
                "/v1/organizations/usage_report/messages" => "anthropic-usage",
                "/v1/organizations/cost_report" => "anthropic-cost",
                "/v1/organization/usage/completions" => "openai-usage",
                _ => "openai-costs",
            };
            using var response = await finance.PostAsync($"/api/v1/reconcile/reports?format={format}&dryRun=false",
                new StringContent(new JsonObject { ["data"] = new JsonArray([.. buckets.Select(b => (JsonNode)b.DeepClone())]) }.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var pulledLines = await StoredLinesAsync(pulled);
        Assert.Equal(20, pulledLines.Count);
        Assert.Equal(await StoredLinesAsync(uploaded), pulledLines);

        // Pulling again replaces the month's imports: still the same lines.
        await puller.PullAllAsync();
        Assert.Equal(pulledLines, await StoredLinesAsync(pulled));
    }

    [Fact]
    public async Task A_report_whose_requests_keep_failing_is_recorded_as_failed_and_the_others_still_import()
    {
        await using var api = await FakeProviderApi.StartAsync();
        foreach (var (path, buckets) in Reports()) api.Buckets[path] = buckets;
        for (var i = 0; i < 4; i++) api.Faults.Enqueue((HttpStatusCode.InternalServerError, null));
        using var factory = new AppFactory("http://127.0.0.1:9", Settings(api), new ShiftedTimeProvider(Now));
        List<string> logged = [];
        // Everything logged, to the most detailed level, HTTP client request logs included.
        using var app = factory.WithWebHostBuilder(b => b.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(new ListLogger(logged))));

        var pulls = await app.Services.GetRequiredService<ReportPuller>().PullAllAsync();

        var failed = Assert.Single(pulls, p => !p.Ok);
        Assert.Equal("anthropic-usage", failed.Source);
        Assert.Contains("500", failed.Message);
        Assert.Null(failed.ImportId);
        Assert.Equal(7, pulls.Count(p => p.Ok));
        Assert.Equal(4, api.Requests.Count(r => r.Status == 500));
        // The November usage pull came after the failures and stored its five days.
        Assert.Equal(5, (await app.Services.GetRequiredService<ProviderReportStore>().LinesAsync(First, First.AddDays(10))).Count(l => l.Source == "anthropic-usage"));
        // The retries were logged; the admin keys never were.
        Assert.Contains(logged, line => line.Contains("A provider report request answered InternalServerError", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, line => line.Contains(FakeProviderApi.AnthropicKey, StringComparison.Ordinal) || line.Contains(FakeProviderApi.OpenAiKey, StringComparison.Ordinal));
    }
}
