using System.Net;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>The OpenAPI document describes every /api endpoint with the roles that may call it; the reference page is for signed-in users and loads nothing from elsewhere.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class ApiDocumentationTests(HistoryFixture fixture)
{
    [Fact]
    public async Task The_document_lists_every_api_endpoint_with_its_roles()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var client = await app.SignedInAsync(Roles.Finance);

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        var endpoints = ApiEndpoints.Of(app).Select(e => (Path: e.Template, Method: e.Method.ToLowerInvariant())).ToList();
        Assert.NotEmpty(endpoints);
        foreach (var (path, method) in endpoints)
        {
            var operation = paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out var found) ? found : (JsonElement?)null;
            Assert.True(operation is not null, $"{method} {path} is not in the document");
            Assert.True(operation.Value.TryGetProperty("x-roles", out var roles) && roles.GetArrayLength() > 0, $"{method} {path} does not say who may call it");
        }

        var spend = paths.GetProperty("/api/v1/spend").GetProperty("get");
        Assert.Equal([Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin], spend.GetProperty("x-roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal([Roles.Engineer, Roles.Admin], paths.GetProperty("/api/v1/prices").GetProperty("post").GetProperty("x-roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Every_operation_describes_its_request_and_answer_shapes()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var client = await app.SignedInAsync(Roles.Finance);
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        var paths = root.GetProperty("paths");

        foreach (var (path, method) in ApiEndpoints.Of(app).Select(e => (e.Template, e.Method.ToLowerInvariant())))
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            var success = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            Assert.True(success.Count > 0, $"{method} {path} declares no successful answer");
            Assert.True(success.Any(r => r.Value.TryGetProperty("content", out var content) && content.EnumerateObject().Any(c => c.Value.TryGetProperty("schema", out _))),
                $"{method} {path} does not describe what it answers");
            // Writes that take a JSON object say which fields it has (an import's body is the file itself: a string).
            if (method is "post" or "put" && operation.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out var json)
                && !(json.GetProperty("schema").TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "string"))
            {
                Assert.True(Properties(root, json.GetProperty("schema")).Any(), $"{method} {path} does not say which fields its body has");
            }
        }

        // The shapes are the records the endpoints read and write, camelCase as on the wire.
        var addPrice = paths.GetProperty("/api/v1/prices").GetProperty("post");
        Assert.Superset(new HashSet<string> { "model", "effectiveFrom", "input", "output", "cachedInput", "cacheWrite", "reason", "stamp", "confirm" },
            Properties(root, addPrice.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema")).ToHashSet());
        Assert.Superset(new HashSet<string> { "saved", "conflict", "needsConfirmation", "detail", "check" },
            Properties(root, Schema(addPrice, "201")).ToHashSet());
        Assert.True(addPrice.GetProperty("responses").TryGetProperty("409", out _), "a conflicting price write is documented");

        var spend = paths.GetProperty("/api/v1/spend").GetProperty("get");
        Assert.Superset(new HashSet<string> { "from", "to", "groupBy", "feature", "model", "team", "tz", "format" },
            spend.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToHashSet());
        Assert.Superset(new HashSet<string> { "rows", "totals", "currency", "incomplete", "warnings", "unpricedModels" }, Properties(root, Schema(spend, "200")).ToHashSet());

        var setBudget = paths.GetProperty("/api/v1/budgets/teams/{id}").GetProperty("put");
        Assert.Superset(new HashSet<string> { "fromMonth", "monthlyUsd", "thresholds", "confirm" },
            Properties(root, setBudget.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema")).ToHashSet());
        var subscribe = paths.GetProperty("/api/v1/digests").GetProperty("post");
        Assert.Superset(new HashSet<string> { "scope", "sendAt", "timeZone", "days" },
            Properties(root, subscribe.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema")).ToHashSet());
    }

    /// <summary>The JSON schema of an answer (the first JSON content of that status).</summary>
    private static JsonElement Schema(JsonElement operation, string status) =>
        operation.GetProperty("responses").GetProperty(status).GetProperty("content").EnumerateObject().First(c => c.Name.Contains("json", StringComparison.Ordinal)).Value.GetProperty("schema");

    /// <summary>The property names of a schema, following a $ref into components/schemas.</summary>
    private static IEnumerable<string> Properties(JsonElement root, JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            schema = root.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }

        return schema.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => p.Name).ToList() : [];
    }

    [Fact]
    public async Task The_reference_page_is_for_signed_in_users_and_served_from_the_app()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);

        using var anonymous = await app.Anonymous().GetAsync("/api-reference");
        // The reference lives at /api-reference/ (the bare path redirects there).
        using var response = await (await app.SignedInAsync(Roles.Manager)).GetAsync("/api-reference/");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {response.Headers.Location}");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Contains("CostConsole API", page);
        Assert.DoesNotMatch(@"src=""https?://", page);
    }
}
