using System.ComponentModel;
using System.Globalization;
using CostConsole.Features.Hosting;
using CostConsole.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using static CostConsole.Features.ApiBody;

namespace CostConsole.Features.Digests;

/// <summary>A new daily digest subscription.</summary>
public sealed record DigestSubscribeBody(
    [property: Description("A team id, or \"org\" for the whole organisation (Finance and Admin).")] string? Scope,
    [property: Description("Local time of day, HH:mm (24-hour).")] string? SendAt,
    [property: Description("IANA time zone, e.g. Europe/Berlin.")] string? TimeZone,
    [property: Description("\"everyday\" or \"weekdays\".")] string? Days,
    [property: Description("Admins only: the email of the user to subscribe (default: the caller).")] string? User);

/// <summary>Changes to a subscription: its time, zone, days, or pausing it.</summary>
public sealed record DigestUpdateBody(string? SendAt, string? TimeZone, string? Days, bool Paused);

public sealed record DigestSavedJson(bool Saved, int Id);

public sealed record DigestDeletedJson(bool Deleted, int Id);

/// <summary>Why a subscription change was refused (400 bad input, 403 not allowed, 404 not found or not yours).</summary>
public sealed record DigestRefusedJson(bool Saved, string Detail, IReadOnlyList<string> Errors);

public sealed record DeliveryJson(long Id, string LocalDate, string Kind, string Status, string Recipient, int Attempts, string Trigger,
    DateTime CreatedUtc, DateTime? SentUtc, DateTime? NextAttemptUtc, string Reply, string History)
{
    public static DeliveryJson Of(DigestDelivery d) => new(d.Id, d.LocalDate, d.Kind.ToString(), d.Status.ToString(), d.Recipient, d.Attempts, d.Trigger,
        d.CreatedUtc.UtcDateTime, d.SentUtc?.UtcDateTime, d.NextAttemptUtc?.UtcDateTime, d.Reply, d.History);
}

public sealed record SubscriptionJson(int Id, string User, string Scope, string ScopeName, string SendAt, string TimeZone, string Days, bool Paused,
    string? NextDate, DateTime? NextDueUtc, DeliveryJson? Last)
{
    public static SubscriptionJson Of(SubscriptionView s) => new(
        s.Id, s.UserEmail, s.ScopeKey, s.Scope, s.SendAt.ToString("HH:mm", CultureInfo.InvariantCulture), s.TimeZone,
        s.Days == DigestDays.Weekdays ? "weekdays" : "everyday", s.Paused,
        s.NextDate is { } d ? DigestSchedule.DateText(d) : null, s.NextDueUtc?.UtcDateTime, s.Last is { } l ? DeliveryJson.Of(l) : null);
}

/// <summary>A test digest's outcome: sent (200) or the mail server's refusal (502).</summary>
public sealed record DigestTestJson(bool Sent, string Detail, DeliveryJson? Delivery);

/// <summary>The digest API: the caller's subscriptions (Admins: everyone's), previews, test sends and the delivery log.</summary>
public static class DigestApi
{
    public static IEndpointRouteBuilder MapDigestApi(this IEndpointRouteBuilder endpoints)
    {
        // The root path is mapped as "/digests": a group's "" route would end in a slash.
        var digests = endpoints.MapGroup("/api/v1").WithTags("Digests").RequireAuthorization(Policies.BudgetReaders);

        digests.MapGet("/digests", ListAsync).WithSummary("The caller's subscriptions (Admins: everyone's).");
        digests.MapPost("/digests", SubscribeAsync).WithSummary("Subscribes to a team's or the org's daily digest.")
            .DocumentsBody<DigestSubscribeBody>("application/json")
            .Produces<DigestSavedJson>(StatusCodes.Status201Created).ProducesRefusal();
        digests.MapPut("/digests/{id:int}", UpdateAsync).WithSummary("Changes a subscription's time, zone or days, or pauses it.")
            .DocumentsBody<DigestUpdateBody>("application/json")
            .Produces<DigestSavedJson>().ProducesRefusal();
        digests.MapDelete("/digests/{id:int}", DeleteAsync).WithSummary("Ends a subscription.")
            .Produces<DigestDeletedJson>().ProducesRefusal();
        digests.MapGet("/digests/{id:int}/preview", PreviewAsync).WithSummary("The digest of a local date as it would be mailed (HTML, or text with format=text).")
            .Produces<string>(StatusCodes.Status200OK, "text/html", "text/plain").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        digests.MapPost("/digests/{id:int}/test", SendTestAsync).WithSummary("Mails the digest of a local date to the caller now.")
            .Produces<DigestTestJson>().Produces<DigestTestJson>(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        digests.MapGet("/digests/{id:int}/deliveries", DeliveriesAsync).WithSummary("The subscription's last 200 deliveries, newest first.")
            .Produces<DeliveryJson[]>().ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    private static async Task<Ok<SubscriptionJson[]>> ListAsync(HttpContext context, DigestSubscriptions subscriptions, CancellationToken cancellationToken) =>
        TypedResults.Ok((await subscriptions.ListAsync(context.User, cancellationToken)).Select(SubscriptionJson.Of).ToArray());

    private static async Task<IResult> SubscribeAsync(HttpContext context, DigestSubscriptions subscriptions, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<DigestSubscribeBody>(context, cancellationToken);
        if (body is null) return Invalid(problem!);
        var draft = new SubscriptionDraft(body.Scope, body.SendAt, body.TimeZone, body.Days);
        var change = await subscriptions.CreateAsync(context.User, draft, body.User, cancellationToken);
        return change.Saved ? TypedResults.Json(new DigestSavedJson(true, change.Id!.Value), statusCode: StatusCodes.Status201Created) : Refused(change);
    }

    private static async Task<IResult> UpdateAsync(int id, HttpContext context, DigestSubscriptions subscriptions, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<DigestUpdateBody>(context, cancellationToken);
        if (body is null) return Invalid(problem!);
        var draft = new SubscriptionDraft(null, body.SendAt, body.TimeZone, body.Days);
        var change = await subscriptions.UpdateAsync(context.User, id, draft, body.Paused, cancellationToken);
        return change.Saved ? TypedResults.Ok(new DigestSavedJson(true, id)) : Refused(change);
    }

    private static async Task<IResult> DeleteAsync(int id, HttpContext context, DigestSubscriptions subscriptions, CancellationToken cancellationToken)
    {
        var change = await subscriptions.DeleteAsync(context.User, id, cancellationToken);
        return change.Saved ? TypedResults.Ok(new DigestDeletedJson(true, id)) : Refused(change);
    }

    private static async Task<IResult> PreviewAsync(int id, string? date, string? format, HttpContext context, DigestSubscriptions subscriptions,
        DigestComposer composer, UserCurrency currencies, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscription = await subscriptions.GetAsync(context.User, id, cancellationToken);
        if (subscription is null) return NotVisible(id);
        var (day, problem) = DigestSubscriptions.PreviewDate(date, subscription, time.GetUtcNow());
        if (day is null) return TypedResults.Problem(title: "Invalid date", detail: problem, statusCode: StatusCodes.Status400BadRequest);
        var currency = await currencies.OfUserIdAsync(subscription.UserId, cancellationToken);
        var digest = await composer.ComposeAsync(subscription.TeamId, day.Value, SpendPeriods.FindZone(subscription.TimeZone) ?? TimeZoneInfo.Utc, cancellationToken, currency);
        return format == "text"
            ? TypedResults.Text(DigestRenderer.Subject(digest) + "\n\n" + DigestRenderer.Text(digest), "text/plain; charset=utf-8")
            : TypedResults.Content(DigestRenderer.Html(digest), "text/html; charset=utf-8");
    }

    private static async Task<IResult> SendTestAsync(int id, string? date, HttpContext context, DigestSubscriptions subscriptions,
        DigestDeliveries deliveries, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscription = await subscriptions.GetAsync(context.User, id, cancellationToken);
        if (subscription is null) return NotVisible(id);
        var (day, problem) = DigestSubscriptions.PreviewDate(date, subscription, time.GetUtcNow());
        if (day is null) return TypedResults.Problem(title: "Invalid date", detail: problem, statusCode: StatusCodes.Status400BadRequest);
        var email = context.User.FindFirst(System.Security.Claims.ClaimTypes.Email)?.Value ?? context.User.Identity?.Name;
        if (DigestSubscriptions.UserId(context.User) is null || !MimeKit.MailboxAddress.TryParse(email, out _))
        {
            return TypedResults.Problem(title: "No address", detail: "A test goes to the person who asks; an API token has no mail address.", statusCode: StatusCodes.Status400BadRequest);
        }

        var outcome = await deliveries.SendTestAsync(id, day.Value, email!, cancellationToken);
        return TypedResults.Json(new DigestTestJson(outcome.Sent, outcome.Message, outcome.Delivery is { } d ? DeliveryJson.Of(d) : null),
            statusCode: outcome.Sent ? StatusCodes.Status200OK : StatusCodes.Status502BadGateway);
    }

    private static async Task<IResult> DeliveriesAsync(int id, HttpContext context, DigestSubscriptions subscriptions, DigestDeliveries deliveries, CancellationToken cancellationToken)
    {
        if (await subscriptions.GetAsync(context.User, id, cancellationToken) is null) return NotVisible(id);
        return TypedResults.Ok((await deliveries.LogAsync(id, 200, cancellationToken)).Select(DeliveryJson.Of).ToArray());
    }

    private static ProblemHttpResult Invalid(string detail) => TypedResults.Problem(title: "Invalid request", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    private static ProblemHttpResult NotVisible(int id) =>
        TypedResults.Problem(title: "Not found", detail: $"Subscription {id} does not exist or is not yours.", statusCode: StatusCodes.Status404NotFound);

    private static RouteHandlerBuilder ProducesRefusal(this RouteHandlerBuilder builder) => builder
        .Produces<DigestRefusedJson>(StatusCodes.Status400BadRequest)
        .Produces<DigestRefusedJson>(StatusCodes.Status403Forbidden)
        .Produces<DigestRefusedJson>(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status400BadRequest);

    private static JsonHttpResult<DigestRefusedJson> Refused(SubscriptionChange change) =>
        TypedResults.Json(new DigestRefusedJson(false, string.Join(" ", change.Errors), change.Errors),
            statusCode: change.NotFound ? StatusCodes.Status404NotFound : change.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest);
}
