using CostConsole.Features.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CostConsole.Features.Hosting;

/// <summary>
/// The API as a product surface for finance teams' scripts: an OpenAPI document of every /api endpoint at
/// /openapi/v1.json (each operation says which roles may call it and how to authenticate), and a browsable reference
/// at /api-reference for signed-in users. Scalar's page and script are served from the package, never a CDN.
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api-reference";

    public static IServiceCollection AddCostConsoleApiDocumentation(this IServiceCollection services)
    {
        services.AddOpenApi("v1", options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "CostConsole API",
                    Version = "v1",
                    Description = "Spend, prices, budgets and digests. Scripts authenticate with an API token (Authorization: Bearer cc_…, made by an Admin); "
                        + "the app's own pages use the sign-in cookie. Times are UTC unless a tz parameter says otherwise; money is USD.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestBodyShape>().LastOrDefault() is { } body)
                {
                    var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
                    // Every field of a request record may be left out (the validators say what a write needs).
                    if (schema is OpenApiSchema concrete) concrete.Required = null;
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = body.ContentTypes.ToDictionary(type => type, _ => new OpenApiMediaType { Schema = schema }),
                    };
                }

                var policy = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
                if (policy is not null && Policies.RoleSets.TryGetValue(policy, out var roles))
                {
                    operation.Description = $"Roles: {string.Join(", ", roles)}." + (operation.Description is { Length: > 0 } text ? " " + text : "");
                    operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                    operation.Extensions["x-roles"] = new JsonNodeExtension(new System.Text.Json.Nodes.JsonArray([.. roles.Select(r => System.Text.Json.Nodes.JsonValue.Create(r))]));
                }
            });
        });
        return services;
    }

    /// <summary>
    /// Documents the body an endpoint reads (its record, as these content types). Unlike <c>Accepts</c>, this adds no
    /// content-type constraint to routing: the cross-site guard decides what a browser may send, and a script with a
    /// token may send JSON as text/plain; the endpoint reads the body itself and words its own errors.
    /// </summary>
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder builder, params string[] contentTypes) =>
        builder.WithMetadata(new RequestBodyShape(typeof(T), contentTypes.Length > 0 ? contentTypes : ["application/json"]));

    public static IEndpointRouteBuilder MapCostConsoleApiDocumentation(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(Policies.Everyone);
        endpoints.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("CostConsole API")
                .DisableDefaultFonts() // its fonts come from Scalar's servers; the page uses the browser's own
                .WithOpenApiRoutePattern("/openapi/{documentName}.json"))
            .RequireAuthorization(Policies.Everyone);
        return endpoints;
    }
}

/// <summary>The shape of the body an endpoint reads, for the OpenAPI document only (see <see cref="ApiDocumentation.DocumentsBody"/>).</summary>
public sealed record RequestBodyShape(Type Type, IReadOnlyList<string> ContentTypes);
