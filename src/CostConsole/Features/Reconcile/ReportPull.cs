using System.Globalization;
using System.Text;
using System.Text.Json;
using CostConsole.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace CostConsole.Features.Reconcile;

/// <summary>One provider's admin API: its base URL (configurable, so it can point at a test server) and its admin key.</summary>
public sealed class ProviderPullOptions
{
    /// <summary>The admin key (Anthropic <c>sk-ant-admin…</c>, OpenAI admin key); from configuration or the environment
    /// (<c>Reports__Anthropic__AdminKey</c>, <c>Reports__OpenAI__AdminKey</c>). Never logged. Empty: no scheduled pull.</summary>
    public string? AdminKey { get; set; }

    public string BaseUrl { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(AdminKey);
}

public sealed class ReportPullOptions
{
    public const string Section = "Reports";

    public ProviderPullOptions Anthropic { get; set; } = new() { BaseUrl = "https://api.anthropic.com" };

    public ProviderPullOptions OpenAI { get; set; } = new() { BaseUrl = "https://api.openai.com" };

    /// <summary>The UTC hour of the daily pull (of the previous month and this month so far).</summary>
    public int HourUtc { get; set; } = 6;

    /// <summary>Tries per request: a 429 (after its Retry-After), a 5xx or a timeout is tried again, up to this many times in all.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The first wait between tries when the answer names none, doubling each time.</summary>
    public double RetryDelaySeconds { get; set; } = 2;

    public IEnumerable<(string Provider, ProviderPullOptions Options)> Providers => [("anthropic", Anthropic), ("openai", OpenAI)];
}

public sealed class ValidateReportPullOptions : IValidateOptions<ReportPullOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportPullOptions options)
    {
        List<string> failures = [];
        foreach (var (provider, pull) in options.Providers)
        {
            var key = provider == "anthropic" ? "Anthropic" : "OpenAI";
            if (!Uri.TryCreate(pull.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                failures.Add($"{ReportPullOptions.Section}:{key}:BaseUrl '{Configuration.OptionText.Printable(pull.BaseUrl)}' is not an absolute http or https URL.");
            if (pull.AdminKey is { Length: > 0 } k && (k.Length > 500 || k.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
                failures.Add($"{ReportPullOptions.Section}:{key}:AdminKey has spaces or control characters, or is longer than 500 characters.");
        }

        if (options.HourUtc is < 0 or > 23) failures.Add($"{ReportPullOptions.Section}:HourUtc must be 0–23 (was {options.HourUtc}).");
        if (options.MaxAttempts is < 1 or > 10) failures.Add($"{ReportPullOptions.Section}:MaxAttempts must be 1–10 (was {options.MaxAttempts}).");
        if (options.RetryDelaySeconds is < 0 or > 300) failures.Add(string.Create(CultureInfo.InvariantCulture, $"{ReportPullOptions.Section}:RetryDelaySeconds must be 0–300 (was {options.RetryDelaySeconds})."));
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}

/// <summary>The outcome of one scheduled (or asked-for) pull of one report: what was imported, or why not.</summary>
public sealed class ReportPull
{
    public long Id { get; set; }
    public required string Source { get; set; }
    public int FromDay { get; set; }
    public int ToDay { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
    public bool Ok { get; set; }
    public required string Message { get; set; }
    public long? ImportId { get; set; }
}

/// <summary>
/// Pulls the providers' usage and cost reports from their admin APIs into the same tables a file import fills:
/// every page (following <c>has_more</c>/<c>next_page</c>), daily buckets grouped by model, tier and workspace or
/// project, for whole months — the previous one and this one so far — so each pull covers the last one's period whole
/// and replaces it. Requests are retried through the HTTP client's resilience pipeline (429 after its Retry-After,
/// 5xx, timeouts); each outcome is recorded.
/// </summary>
public sealed class ReportPuller(IHttpClientFactory httpClients, IOptions<ReportPullOptions> options, ProviderReportStore store,
    IDbContextFactory<CostConsoleDbContext> dbFactory, TimeProvider time, ILogger<ReportPuller> logger)
{
    public const string HttpClientName = "provider-reports";
    private const int MaxPages = 200;

    public bool AnyConfigured => options.Value.Providers.Any(p => p.Options.Enabled);

    /// <summary>Every configured provider's reports, for the previous month and this month so far.</summary>
    public async Task<IReadOnlyList<ReportPull>> PullAllAsync(CancellationToken cancellationToken = default)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        List<ReportPull> outcomes = [];
        foreach (var (provider, pull) in options.Value.Providers.Where(p => p.Options.Enabled))
        {
            foreach (var source in ReportSources.All.Where(s => ReportSources.ProviderOf(s) == provider))
            {
                outcomes.Add(await PullAsync(source, thisMonth.AddMonths(-1), thisMonth, cancellationToken));
                outcomes.Add(await PullAsync(source, thisMonth, today.AddDays(1), cancellationToken));
            }
        }

        return outcomes;
    }

    /// <summary>One report for UTC days [from, to): fetched, checked and imported as that period, and the outcome recorded.</summary>
    public async Task<ReportPull> PullAsync(string source, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        var pull = new ReportPull { Source = source, FromDay = from.DayNumber, ToDay = to.DayNumber, StartedAt = time.GetUtcNow(), Message = "" };
        try
        {
            var pages = await FetchAsync(source, from, to, cancellationToken);
            var report = ProviderReports.Parse(source, "[" + string.Join(",", pages) + "]", time.GetUtcNow());
            if (report.Problems is [{ Message: ProviderReports.NoBuckets }])
            {
                // No usage in the period: imported as such, so the period reads as covered and zero.
                report = new ParsedReport(source, from, to, [], []);
            }

            var result = report.Problems.Count > 0
                ? new ReportImportResult(report, [], report.Problems, null)
                : await store.StoreAsync(report, "scheduled pull", $"pull: {Origin(source)}", dryRun: false, cancellationToken, (from, to));
            pull.Ok = result.Ok;
            pull.ImportId = result.Written?.Id;
            pull.Message = Clip(result.Ok
                ? $"{pages.Count} page(s), {report.Lines.Count} lines" + (result.Replaces.Count > 0 ? $", replacing #{string.Join(", #", result.Replaces.Select(r => r.Id))}" : "")
                : "not imported: " + string.Join("; ", result.Problems.Take(3).Select(p => p.ToString())));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or TimeoutException or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            pull.Ok = false;
            pull.Message = ex is HttpRequestException { StatusCode: { } status } ? $"the API answered {(int)status} {status} after {options.Value.MaxAttempts} tries" : $"the API could not be read: {ex.GetType().Name}";
        }

        pull.FinishedAt = time.GetUtcNow();
        if (!pull.Ok) logger.LogWarning("Pulling the {Source} report for {From:yyyy-MM-dd}..{To:yyyy-MM-dd} failed: {Message}", source, from, to.AddDays(-1), pull.Message);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.ReportPulls.Add(pull);
        await db.SaveChangesAsync(cancellationToken);
        return pull;
    }

    /// <summary>The latest pull of each report, newest first.</summary>
    public async Task<IReadOnlyList<ReportPull>> RecentAsync(int take = 20, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ReportPulls.AsNoTracking().OrderByDescending(p => p.Id).Take(take).ToListAsync(cancellationToken);
    }

    private static string Clip(string message) => message.Length <= 2000 ? message : message[..2000];

    private string Origin(string source) => ReportSources.ProviderOf(source) == "anthropic" ? options.Value.Anthropic.BaseUrl : options.Value.OpenAI.BaseUrl;

    /// <summary>Every page of the report, as the API's JSON text.</summary>
    private async Task<List<string>> FetchAsync(string source, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var anthropic = ReportSources.ProviderOf(source) == "anthropic";
        var settings = anthropic ? options.Value.Anthropic : options.Value.OpenAI;
        var client = httpClients.CreateClient(HttpClientName);
        List<string> pages = [];
        string? page = null;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, settings.BaseUrl.TrimEnd('/') + PathAndQuery(source, from, to, page));
            if (anthropic)
            {
                request.Headers.Add("x-api-key", settings.AdminKey);
                request.Headers.Add("anthropic-version", "2023-06-01");
            }
            else
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", settings.AdminKey);
            }

            using var response = await client.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            pages.Add(text);
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            page = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("has_more", out var more) && more.ValueKind == JsonValueKind.True
                && root.TryGetProperty("next_page", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (page is not null && pages.Count < MaxPages);

        return pages;
    }

    /// <summary>
    /// The request of one page. Anthropic (Admin API, usage_report/messages and cost_report): RFC 3339 bounds,
    /// <c>bucket_width=1d</c>, <c>group_by[]</c>, <c>limit</c> of 31 days, <c>page</c>. OpenAI (organization/usage/
    /// completions and organization/costs): Unix-second bounds, <c>bucket_width=1d</c>, repeated <c>group_by</c>,
    /// <c>limit</c>, <c>page</c>.
    /// </summary>
    public static string PathAndQuery(string source, DateOnly from, DateOnly to, string? page)
    {
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var query = new StringBuilder();
        void Add(string name, string value) => query.Append(query.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        string path;
        if (ReportSources.ProviderOf(source) == "anthropic")
        {
            path = source == ReportSources.AnthropicUsage ? "/v1/organizations/usage_report/messages" : "/v1/organizations/cost_report";
            Add("starting_at", start.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            Add("ending_at", end.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            Add("bucket_width", "1d");
            foreach (var group in source == ReportSources.AnthropicUsage ? ["model", "service_tier", "workspace_id"] : new[] { "description", "workspace_id" }) Add("group_by[]", group);
            Add("limit", "31");
        }
        else
        {
            path = source == ReportSources.OpenAiUsage ? "/v1/organization/usage/completions" : "/v1/organization/costs";
            Add("start_time", start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            Add("end_time", end.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            Add("bucket_width", "1d");
            foreach (var group in source == ReportSources.OpenAiUsage ? ["model", "project_id", "batch"] : new[] { "line_item", "project_id" }) Add("group_by", group);
            Add("limit", "31");
        }

        if (page is not null) Add("page", page);
        return path + query;
    }

    /// <summary>The HTTP client the pulls use: retries a 429 after its Retry-After, a 5xx and a timeout, with a minute's limit per try.</summary>
    public static IServiceCollection AddReportPullClient(IServiceCollection services)
    {
        services.AddHttpClient(HttpClientName).AddResilienceHandler("provider-reports", (builder, context) =>
        {
            var settings = context.ServiceProvider.GetRequiredService<IOptions<ReportPullOptions>>().Value;
            var log = context.ServiceProvider.GetRequiredService<ILogger<ReportPuller>>();
            if (settings.MaxAttempts > 1)
            {
                builder.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = settings.MaxAttempts - 1,
                    Delay = TimeSpan.FromSeconds(settings.RetryDelaySeconds),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = false,
                    ShouldRetryAfterHeader = true,
                    OnRetry = args =>
                    {
                        log.LogWarning("A provider report request answered {Outcome}; try {Attempt} in {Delay}", args.Outcome.Result?.StatusCode.ToString() ?? args.Outcome.Exception?.GetType().Name, args.AttemptNumber + 2, args.RetryDelay);
                        return ValueTask.CompletedTask;
                    },
                });
            }

            builder.AddTimeout(TimeSpan.FromMinutes(1));
        });
        return services;
    }
}

/// <summary>The daily Hangfire job; the client retries each request, so Hangfire does not retry the job.</summary>
public sealed class ReportPullJob(ReportPuller puller)
{
    public const string JobId = "provider-report-pull";

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync() => await puller.PullAllAsync();
}

/// <summary>Schedules the daily pull when a provider has an admin key, and removes the schedule when none has.</summary>
/// <remarks>Needs no database (a start with a bad database setting must still come up and say so).</remarks>
public sealed class ReportPullScheduler(IRecurringJobManager recurring, IOptions<ReportPullOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Providers.Any(p => p.Options.Enabled))
        {
            recurring.AddOrUpdate<ReportPullJob>(ReportPullJob.JobId, j => j.RunAsync(), Cron.Daily(options.Value.HourUtc), new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        }
        else
        {
            recurring.RemoveIfExists(ReportPullJob.JobId);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
