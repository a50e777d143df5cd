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
    public async Task The_reference_page_is_for_signed_in_users_and_served_from_the_app()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);

        using var anonymous = await app.Anonymous().GetAsync("/api-reference");
        // The reference lives at /api-reference/ (the bare path redirects there).
        using var response = await (await app.SignedInAsync(Roles.Manager)).GetAsync("/api-reference/");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {response.Headers.Location}");
        var page = await response.Content.ReadAsStringAsync();
        await File.WriteAllTextAsync("/tmp/scalar.html", page);

        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Contains("CostConsole API", page);
        Assert.DoesNotMatch(@"src=""https?://", page);
    }
}
