using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Shared;

/// <summary>Every /api endpoint the app maps, read from its endpoint data source, so a new one cannot escape a test.</summary>
public static partial class ApiEndpoints
{
    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    /// <summary>Method and route template, with each parameter's constraint dropped: <c>/api/v1/prices/{id}</c>.</summary>
    public static IReadOnlyList<(string Method, string Template)> Of(AppFactory app) =>
        [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Template: "/" + RouteParameter().Replace(e.RoutePattern.RawText!.TrimStart('/'), "{$1}"), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => e.Template.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => (m, e.Template)))
            .Distinct()];

    /// <summary>A template with every parameter given <paramref name="value"/>.</summary>
    public static string Fill(string template, string value) => RouteParameter().Replace(template, value);
}
