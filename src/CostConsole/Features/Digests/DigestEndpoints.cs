using CostConsole.Features.Identity;
using CostConsole.Features.Spend;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Options;
using static CostConsole.Features.ApiBody;

namespace CostConsole.Features.Digests;

public static class DigestSetup
{
    public const string DashboardPath = "/hangfire";

    public static IServiceCollection AddCostConsoleDigests(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DigestOptions>().Bind(configuration.GetSection(DigestOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DigestOptions>, ValidateDigestOptions>();
        // Each app instance holds its own storage (registered before AddHangfire, which only fills in what is missing),
        // so several instances in one process — the tests — never share Hangfire's global one.
        services.AddSingleton<JobStorage>(provider =>
        {
            // Hangfire's own settings (serializer, log provider) are applied when its configuration is first resolved.
            provider.GetRequiredService<IGlobalConfiguration>();
            var options = provider.GetRequiredService<IOptions<DigestOptions>>().Value;
            return options.Storage switch
            {
                DigestStorage.PostgreSql => new PostgreSqlStorage(new NpgsqlConnectionFactory(options.StorageConnection!, new PostgreSqlStorageOptions()), new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true }),
                _ => new InMemoryStorage(),
            };
        });
        services.AddHangfire((provider, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings()
            .UseLogProvider(new HangfireLogProvider(provider.GetRequiredService<ILoggerFactory>())));
        // The worker is started from the bound options at run time (not read here at registration, where settings
        // added later by the host, e.g. the tests', are not visible yet).
        services.AddHostedService<DigestWorker>();
        services.AddSingleton<DigestComposer>();
        services.AddSingleton<DigestDeliveries>();
        services.AddSingleton<DigestScheduler>();
        services.AddSingleton<DigestSubscriptions>();
        services.AddTransient<DigestJobs>();
        services.AddHostedService<DigestStartup>();
        return services;
    }

    public static IEndpointRouteBuilder MapDigestApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/digests", async (HttpContext context, DigestSubscriptions subscriptions, CancellationToken cancellationToken) =>
            Results.Json((await subscriptions.ListAsync(context.User, cancellationToken)).Select(ToJson)))
            .RequireAuthorization(Policies.BudgetReaders);

        endpoints.MapPost("/api/v1/digests", async (HttpContext context, DigestSubscriptions subscriptions, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadBodyAsync(context, cancellationToken);
            if (body is null) return Results.Problem(title: "Invalid request", detail: problem, statusCode: StatusCodes.Status400BadRequest);
            using (body)
            {
                var root = body.RootElement;
                var draft = new SubscriptionDraft(Text(root, "scope"), Text(root, "sendAt"), Text(root, "timeZone"), Text(root, "days"));
                var change = await subscriptions.CreateAsync(context.User, draft, Text(root, "user"), cancellationToken);
                return change.Saved ? Results.Json(new { saved = true, id = change.Id }, statusCode: StatusCodes.Status201Created) : Refused(change);
            }
        }).RequireAuthorization(Policies.BudgetReaders);

        endpoints.MapPut("/api/v1/digests/{id:int}", async (int id, HttpContext context, DigestSubscriptions subscriptions, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadBodyAsync(context, cancellationToken);
            if (body is null) return Results.Problem(title: "Invalid request", detail: problem, statusCode: StatusCodes.Status400BadRequest);
            using (body)
            {
                var root = body.RootElement;
                var draft = new SubscriptionDraft(null, Text(root, "sendAt"), Text(root, "timeZone"), Text(root, "days"));
                var change = await subscriptions.UpdateAsync(context.User, id, draft, Bool(root, "paused"), cancellationToken);
                return change.Saved ? Results.Json(new { saved = true, id }) : Refused(change);
            }
        }).RequireAuthorization(Policies.BudgetReaders);

        endpoints.MapDelete("/api/v1/digests/{id:int}", async (int id, HttpContext context, DigestSubscriptions subscriptions, CancellationToken cancellationToken) =>
        {
            var change = await subscriptions.DeleteAsync(context.User, id, cancellationToken);
            return change.Saved ? Results.Json(new { deleted = true, id }) : Refused(change);
        }).RequireAuthorization(Policies.BudgetReaders);

        endpoints.MapGet("/api/v1/digests/{id:int}/preview", async (int id, string? date, string? format, HttpContext context, DigestSubscriptions subscriptions,
            DigestComposer composer, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var subscription = await subscriptions.GetAsync(context.User, id, cancellationToken);
            if (subscription is null) return NotVisible(id);
            var (day, problem) = PreviewDate(date, subscription, time.GetUtcNow());
            if (day is null) return Results.Problem(title: "Invalid date", detail: problem, statusCode: StatusCodes.Status400BadRequest);
            var digest = await composer.ComposeAsync(subscription.TeamId, day.Value, SpendPeriods.FindZone(subscription.TimeZone) ?? TimeZoneInfo.Utc, cancellationToken);
            return format == "text"
                ? Results.Text(DigestRenderer.Subject(digest) + "\n\n" + DigestRenderer.Text(digest), "text/plain; charset=utf-8")
                : Results.Content(DigestRenderer.Html(digest), "text/html; charset=utf-8");
        }).RequireAuthorization(Policies.BudgetReaders);

        endpoints.MapPost("/api/v1/digests/{id:int}/test", async (int id, string? date, HttpContext context, DigestSubscriptions subscriptions,
            DigestDeliveries deliveries, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var subscription = await subscriptions.GetAsync(context.User, id, cancellationToken);
            if (subscription is null) return NotVisible(id);
            var (day, problem) = PreviewDate(date, subscription, time.GetUtcNow());
            if (day is null) return Results.Problem(title: "Invalid date", detail: problem, statusCode: StatusCodes.Status400BadRequest);
            var email = context.User.FindFirst(System.Security.Claims.ClaimTypes.Email)?.Value ?? context.User.Identity?.Name;
            if (DigestSubscriptions.UserId(context.User) is null || !MimeKit.MailboxAddress.TryParse(email, out _))
            {
                return Results.Problem(title: "No address", detail: "A test goes to the person who asks; an API token has no mail address.", statusCode: StatusCodes.Status400BadRequest);
            }

            var outcome = await deliveries.SendTestAsync(id, day.Value, email!, cancellationToken);
            return Results.Json(new { sent = outcome.Sent, detail = outcome.Message, delivery = outcome.Delivery is { } d ? DeliveryJson(d) : null },
                statusCode: outcome.Sent ? StatusCodes.Status200OK : StatusCodes.Status502BadGateway);
        }).RequireAuthorization(Policies.BudgetReaders);

        endpoints.MapGet("/api/v1/digests/{id:int}/deliveries", async (int id, HttpContext context, DigestSubscriptions subscriptions, DigestDeliveries deliveries, CancellationToken cancellationToken) =>
        {
            if (await subscriptions.GetAsync(context.User, id, cancellationToken) is null) return NotVisible(id);
            return Results.Json((await deliveries.LogAsync(id, 200, cancellationToken)).Select(DeliveryJson));
        }).RequireAuthorization(Policies.BudgetReaders);

        return endpoints;
    }

    /// <summary>Hangfire's dashboard, for Admins only (the endpoint's policy, and Hangfire's own filter as a second lock).</summary>
    public static IEndpointRouteBuilder MapDigestDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            Authorization = [new AdminDashboardFilter()],
            AppPath = "/digests",
            DashboardTitle = "CostConsole jobs",
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(Policies.Admins);
        return endpoints;
    }

    /// <summary>The local date of a preview: today in the subscription's zone by default; none before 2015 or after tomorrow.</summary>
    public static (DateOnly? Date, string? Problem) PreviewDate(string? text, SubscriptionView subscription, DateTimeOffset now)
    {
        var today = SpendPeriods.LocalToday(now, SpendPeriods.FindZone(subscription.TimeZone) ?? TimeZoneInfo.Utc);
        if (string.IsNullOrWhiteSpace(text)) return (today, null);
        if (DigestSchedule.ParseDate(text) is not { } date)
        {
            return (null, $"'{Echo.Printable(text)}' is not a date such as {DigestSchedule.DateText(today)}.");
        }

        if (date.Year < 2015 || date > today.AddDays(1))
        {
            return (null, $"{DigestSchedule.DateText(date)} is out of range: a digest can be shown for dates from 2015 to tomorrow ({DigestSchedule.DateText(today.AddDays(1))}).");
        }

        return (date, null);
    }

    private static IResult NotVisible(int id) =>
        Results.Problem(title: "Not found", detail: $"Subscription {id} does not exist or is not yours.", statusCode: StatusCodes.Status404NotFound);

    private static IResult Refused(SubscriptionChange change) =>
        Results.Json(new { saved = false, detail = string.Join(" ", change.Errors), errors = change.Errors },
            statusCode: change.NotFound ? StatusCodes.Status404NotFound : change.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest);

    private static object ToJson(SubscriptionView s) => new
    {
        id = s.Id, user = s.UserEmail, scope = s.ScopeKey, scopeName = s.Scope, sendAt = s.SendAt.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
        timeZone = s.TimeZone, days = s.Days == DigestDays.Weekdays ? "weekdays" : "everyday", paused = s.Paused,
        nextDate = s.NextDate is { } d ? DigestSchedule.DateText(d) : null, nextDueUtc = s.NextDueUtc?.UtcDateTime,
        last = s.Last is { } l ? DeliveryJson(l) : null,
    };

    private static object DeliveryJson(DigestDelivery d) => new
    {
        id = d.Id, localDate = d.LocalDate, kind = d.Kind.ToString(), status = d.Status.ToString(), recipient = d.Recipient, attempts = d.Attempts,
        trigger = d.Trigger, createdUtc = d.CreatedUtc.UtcDateTime, sentUtc = d.SentUtc?.UtcDateTime, nextAttemptUtc = d.NextAttemptUtc?.UtcDateTime,
        reply = d.Reply, history = d.History,
    };
}

/// <summary>Hangfire's own check: only an Admin opens the dashboard.</summary>
public sealed class AdminDashboardFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Roles.Admin);
}
