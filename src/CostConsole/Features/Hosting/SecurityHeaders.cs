namespace CostConsole.Features.Hosting;

/// <summary>
/// Headers on every response, so one missed encoding of a label value is not an exploit: a Content-Security-Policy
/// that allows only the app's own scripts (Blazor Server needs no inline script, no eval; its circuit is a same-origin
/// WebSocket), no framing, no MIME sniffing, and no full URLs (with their filters) sent to other sites.
/// </summary>
public static class SecurityHeaders
{
    // Styles stay 'unsafe-inline': MudBlazor's theme and ApexCharts write style elements and attributes. Scripts cannot run from them.
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    // Hangfire's dashboard (Admins only) and the API reference (Scalar) ship inline scripts of their own and show no
    // label values; they get the same policy but for those.
    public const string DashboardContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            var policy = context.Request.Path.StartsWithSegments("/hangfire") || context.Request.Path.StartsWithSegments(ApiDocumentation.ReferencePath)
                ? DashboardContentSecurityPolicy
                : ContentSecurityPolicy;
            // The sign-in and sign-out forms redirect to the identity provider: form-action also names its origins.
            headers.ContentSecurityPolicy = context.RequestServices.GetService<Identity.Oidc.ProviderFormTargets>()?.Sources is { Length: > 0 } provider
                ? policy.Replace("form-action 'self'", $"form-action 'self' {provider}", StringComparison.Ordinal)
                : policy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            headers.XFrameOptions = "DENY";
            return Task.CompletedTask;
        });
        return next(context);
    });
}
