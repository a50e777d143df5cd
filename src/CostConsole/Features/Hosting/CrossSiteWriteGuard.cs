using Microsoft.Net.Http.Headers;

namespace CostConsole.Features.Hosting;

/// <summary>
/// No cross-site writes with a user's cookie. SameSite=Lax does not stop a same-site origin (another port on the same
/// host — Prometheus, Grafana, maildev — or a sibling subdomain), and an HTML form can post text/plain,
/// form-urlencoded or multipart bodies to any URL. So a cookie-authenticated POST, PUT, PATCH or DELETE under /api
/// (and to the Hangfire dashboard) must prove it comes from the app's own origin — Sec-Fetch-Site "same-origin" or an
/// Origin equal to the app's — and an /api one must carry JSON (which a form cannot send without a CORS preflight
/// that the app never grants). Requests with an API token are scripts, not browsers: exempt. Blazor's own form posts
/// (sign-in, sign-out) keep their antiforgery tokens.
/// </summary>
public static class CrossSiteWriteGuard
{
    /// <summary>The one endpoint that also takes CSV bodies (a price import), a type no form can send either.</summary>
    private const string ImportPath = "/api/v1/prices/import";

    /// <summary>The report import takes CSV too (a FOCUS bill).</summary>
    private const string ReportImportPath = "/api/v1/reconcile/reports";

    /// <summary>The exchange-rate import takes the ECB's CSV.</summary>
    private const string RatesImportPath = "/api/v1/rates/import";

    public static IApplicationBuilder UseCrossSiteWriteGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (IsUnsafe(request.Method)
            && (request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hangfire"))
            && !request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && context.User.Identity?.IsAuthenticated == true)
        {
            if (CrossSiteProblem(request) is { } crossSite)
            {
                await Results.Problem(title: "Cross-site request refused", detail: crossSite, statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
                return;
            }

            if (request.Path.StartsWithSegments("/api") && BodyProblem(request) is { } body)
            {
                await Results.Problem(title: "Unsupported body", detail: body, statusCode: StatusCodes.Status415UnsupportedMediaType).ExecuteAsync(context);
                return;
            }
        }

        await next(context);
    });

    private static bool IsUnsafe(string method) => HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    /// <summary>Why the request is not known to come from the app's own pages, or null when it is.</summary>
    public static string? CrossSiteProblem(HttpRequest request)
    {
        var own = $"{request.Scheme}://{request.Host.Value}";
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site != "same-origin")
        {
            return $"This change was sent from another site (Sec-Fetch-Site: {LogText.Safe(site)}); changes made with a sign-in cookie must come from CostConsole's own pages. Scripts use an API token.";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, own, StringComparison.OrdinalIgnoreCase))
        {
            return $"This change was sent from {LogText.Safe(origin)}, not from CostConsole ({own}); changes made with a sign-in cookie must come from its own pages. Scripts use an API token.";
        }

        return site.Length == 0 && origin.Length == 0
            ? "This change carries no Origin: changes made with a sign-in cookie must come from CostConsole's own pages (browsers send their Origin). Scripts use an API token."
            : null;
    }

    /// <summary>Why the body is not one the API takes from a browser, or null: JSON (CSV too for the import), or no body at all.</summary>
    public static string? BodyProblem(HttpRequest request)
    {
        if (request.ContentType is not { Length: > 0 } type)
        {
            return request.ContentLength is null or 0 ? null : "The body has no Content-Type; send it as application/json.";
        }

        if (!MediaTypeHeaderValue.TryParse(type, out var media))
        {
            return $"The Content-Type '{LogText.Safe(type)}' cannot be read; send the body as application/json.";
        }

        var mediaType = media.MediaType.ToString();
        var json = mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        var imports = request.Path.StartsWithSegments(ImportPath) || request.Path.StartsWithSegments(ReportImportPath) || request.Path.StartsWithSegments(RatesImportPath);
        var csv = imports && mediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase);
        return json || csv ? null : $"The body is {LogText.Safe(mediaType)}; send it as application/json{(imports ? " (or text/csv for a CSV import)" : "")}.";
    }
}
