using System.Net;
using System.Reflection;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>Walks every page and endpoint as every role, and anonymously: allowed, 403, or the sign-in redirect.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class RouteAuthorizationTests(HistoryFixture fixture)
{
    private const string Anonymous = "(anonymous)";

    /// <summary>Who may open what. Written by hand: it is the specification the app is checked against.</summary>
    private static readonly Dictionary<string, (string Probe, string[] Allowed)> Access = new()
    {
        ["/"] = ("/", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/explore"] = ("/explore?range=last7&by=model", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/changes"] = ("/changes", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/exports"] = ("/exports", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/prices"] = ("/prices", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/datasource"] = ("/datasource", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/api/v1/exports/chargeback"] = ("/api/v1/exports/chargeback?month=2026-11", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/api/v1/exports/focus"] = ("/api/v1/exports/focus?from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/admin/users"] = ("/admin/users", [Roles.Admin]),
        ["/admin/teams"] = ("/admin/teams", [Roles.Admin]),
        ["/admin/tokens"] = ("/admin/tokens", [Roles.Admin]),
        ["/sources"] = ("/sources", [Roles.Engineer, Roles.Admin]),
        ["/reconcile"] = ("/reconcile", [Roles.Finance, Roles.Engineer, Roles.Admin]),
        ["/reconcile/bill"] = ("/reconcile/bill", [Roles.Finance, Roles.Engineer, Roles.Admin]),
        ["/api/v1/reconcile/gateway"] = ("/api/v1/reconcile/gateway?from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z", [Roles.Finance, Roles.Engineer, Roles.Admin]),
        ["/api/v1/reconcile/invoice"] = ("/api/v1/reconcile/invoice?from=2026-11-18&to=2026-11-19", [Roles.Finance, Roles.Engineer, Roles.Admin]),
        ["/api/v1/reconcile/reports"] = ("/api/v1/reconcile/reports", [Roles.Finance, Roles.Engineer, Roles.Admin]),
        ["/rates"] = ("/rates", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/api/v1/rates"] = ("/api/v1/rates", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/api/v1/reconcile/mappings"] = ("/api/v1/reconcile/mappings", [Roles.Finance, Roles.Engineer, Roles.Admin]),
        ["/api/v1/reconcile/mappings/unmapped"] = ("/api/v1/reconcile/mappings/unmapped?from=2026-11-01&to=2026-11-02", [Roles.Finance, Roles.Engineer, Roles.Admin]),
        ["/account/login"] = ("/account/login", [Anonymous, Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/account/no-access"] = ("/account/no-access", [Anonymous, Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/status/{Code:int}"] = ("/status/403", [Anonymous, Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/not-found"] = ("/not-found", [Anonymous, Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/healthz"] = ("/healthz", [Anonymous, Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/readyz"] = ("/readyz", [Anonymous, Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/api/v1/spend"] = ("/api/v1/spend?from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z&groupBy=feature", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/prices/import"] = ("/prices/import", [Roles.Engineer, Roles.Admin]),
        ["/prices/rules"] = ("/prices/rules", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/api/v1/prices"] = ("/api/v1/prices", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/api/v1/prices/export"] = ("/api/v1/prices/export", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/api/v1/prices/audit"] = ("/api/v1/prices/audit", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/api/v1/prometheus/rules"] = ("/api/v1/prometheus/rules?variant=inline", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/metrics"] = ("/metrics", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/alerts"] = ("/alerts", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/budgets"] = ("/budgets", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/api/v1/budgets"] = ("/api/v1/budgets", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/api/v1/budgets/export"] = ("/api/v1/budgets/export", [Roles.Finance, Roles.Admin]),
        ["/api/v1/budgets/audit"] = ("/api/v1/budgets/audit", [Roles.Finance, Roles.Admin]),
        ["/digests"] = ("/digests", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/digests/{Id:int}"] = ("/digests/999", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/api/v1/digests"] = ("/api/v1/digests", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/hangfire/{**path}"] = ("/hangfire", [Roles.Admin]),
        ["/api-reference/{documentName?}"] = ("/api-reference/", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
        ["/openapi/{documentName}.json"] = ("/openapi/v1.json", [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin]),
    };

    /// <summary>Endpoints that change data: who may call them. A probe that gets past authorisation meets validation (400; team 1 does not exist), never a change.</summary>
    private static readonly Dictionary<string, (HttpMethod Method, string Probe, string[] Allowed)> Writes = new()
    {
        ["/api/v1/prices (POST)"] = (HttpMethod.Post, "/api/v1/prices", [Roles.Engineer, Roles.Admin]),
        ["/api/v1/prices/{id:int} (PUT)"] = (HttpMethod.Put, "/api/v1/prices/1", [Roles.Engineer, Roles.Admin]),
        ["/api/v1/prices/retire (POST)"] = (HttpMethod.Post, "/api/v1/prices/retire", [Roles.Engineer, Roles.Admin]),
        ["/api/v1/prices/preview (POST)"] = (HttpMethod.Post, "/api/v1/prices/preview", [Roles.Engineer, Roles.Admin]),
        ["/api/v1/prices/import (POST)"] = (HttpMethod.Post, "/api/v1/prices/import?format=csv", [Roles.Engineer, Roles.Admin]),
        ["/api/v1/budgets/teams/{id:int} (PUT)"] = (HttpMethod.Put, "/api/v1/budgets/teams/1", [Roles.Manager, Roles.Admin]),
        ["/api/v1/budgets/org (PUT)"] = (HttpMethod.Put, "/api/v1/budgets/org", [Roles.Finance, Roles.Admin]),
        ["/api/v1/digests (POST)"] = (HttpMethod.Post, "/api/v1/digests", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/api/v1/reconcile/reports (POST)"] = (HttpMethod.Post, "/api/v1/reconcile/reports?format=none", [Roles.Finance, Roles.Engineer, Roles.Admin]),
        ["/api/v1/rates (POST)"] = (HttpMethod.Post, "/api/v1/rates", [Roles.Finance, Roles.Admin]),
        ["/api/v1/rates/import (POST)"] = (HttpMethod.Post, "/api/v1/rates/import", [Roles.Finance, Roles.Admin]),
        ["/api/v1/reconcile/mappings (POST)"] = (HttpMethod.Post, "/api/v1/reconcile/mappings", [Roles.Engineer, Roles.Admin]),
    };

    /// <summary>Endpoints about one subscription: past authorisation a probe for one that does not exist meets 404, never a change.</summary>
    private static readonly Dictionary<string, (HttpMethod Method, string Probe, string[] Allowed)> ById = new()
    {
        ["/api/v1/digests/{id:int} (PUT)"] = (HttpMethod.Put, "/api/v1/digests/999", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/api/v1/digests/{id:int} (DELETE)"] = (HttpMethod.Delete, "/api/v1/digests/999", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/api/v1/digests/{id:int}/preview"] = (HttpMethod.Get, "/api/v1/digests/999/preview", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/api/v1/digests/{id:int}/deliveries"] = (HttpMethod.Get, "/api/v1/digests/999/deliveries", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/api/v1/digests/{id:int}/test (POST)"] = (HttpMethod.Post, "/api/v1/digests/999/test", [Roles.Finance, Roles.Manager, Roles.Admin]),
        ["/api/v1/reconcile/mappings/{id:long} (DELETE)"] = (HttpMethod.Delete, "/api/v1/reconcile/mappings/999", [Roles.Engineer, Roles.Admin]),
    };

    /// <summary>Endpoints that are not pages to GET: form posts and the framework's own.</summary>
    private static readonly HashSet<string> NotPages = ["/account/login (POST)", "/account/logout (POST)", "/account/oidc (POST)"];

    [Fact]
    public void Every_page_component_has_an_access_rule()
    {
        var routes = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>())
            .Select(r => r.Template)
            .ToList();

        Assert.NotEmpty(routes);
        Assert.All(routes, route => Assert.True(Access.ContainsKey(route), $"page '{route}' has no entry in the access table"));
    }

    [Fact]
    public void Every_endpoint_is_known_to_the_access_table()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        _ = app.Services; // builds the host
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<ComponentTypeMetadata>() is null)
            .Select(e => (Pattern: "/" + e.RoutePattern.RawText?.TrimStart('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            // Framework endpoints: the circuit hub, static files and their fallback.
            .Where(e => !e.Pattern.StartsWith("/_", StringComparison.Ordinal) && !Path.HasExtension(e.Pattern) && !e.Pattern.Contains(":file}"))
            .Select(e => e.Methods.Contains("POST") ? $"{e.Pattern} (POST)" : e.Methods.Contains("PUT") ? $"{e.Pattern} (PUT)" : e.Methods.Contains("DELETE") ? $"{e.Pattern} (DELETE)" : e.Pattern)
            .Distinct()
            .ToList();

        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, e => Assert.True(Access.ContainsKey(e) || Writes.ContainsKey(e) || ById.ContainsKey(e) || NotPages.Contains(e), $"endpoint '{e}' has no access rule"));
    }

    public static TheoryData<string> Principals => [Anonymous, Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin];

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Each_route_answers_allowed_forbidden_or_sign_in_for(string principal)
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var client = principal == Anonymous ? app.Anonymous() : await app.SignedInAsync(principal);
        await AssertRouteTableAsync(client, principal);
    }

    /// <summary>The same table for users signed in through the company's identity provider, their role from a group.</summary>
    [Theory]
    [MemberData(nameof(TokenRoles))]
    public async Task Each_route_answers_the_same_for_users_signed_in_through_the_identity_provider(string role)
    {
        var user = new ProviderUser("pat", "pat@corp.example", "Pat", "pw-pat", [TestIdentityProvider.GroupFor(role)]);
        await using var provider = await TestIdentityProvider.StartAsync([user], ["http://localhost"]);
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, provider.Settings());
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Add("Origin", "http://localhost");
        using var landed = await provider.SignInAsync(client, user.Email!, user.Password);
        Assert.Equal("/", landed.Headers.Location?.OriginalString);
        await AssertRouteTableAsync(client, role);
        await AssertWriteTableAsync(client, role);
    }

    private static async Task AssertRouteTableAsync(HttpClient client, string principal)
    {
        foreach (var (route, (probe, allowed)) in Access)
        {
            using var response = await client.GetAsync(probe);
            var api = probe.StartsWith("/api/", StringComparison.Ordinal) || probe == "/metrics" || probe.StartsWith("/openapi/", StringComparison.Ordinal);
            var expected = allowed.Contains(principal)
                ? (probe == "/status/403" ? HttpStatusCode.Forbidden : HttpStatusCode.OK)
                : principal == Anonymous ? (api ? HttpStatusCode.Unauthorized : HttpStatusCode.Redirect) : HttpStatusCode.Forbidden;

            Assert.True(expected == response.StatusCode, $"{principal} GET {probe} ({route}): expected {(int)expected}, got {(int)response.StatusCode}");
            if (expected == HttpStatusCode.Redirect)
            {
                // A relative Location: the request's Host never reaches a redirect.
                var location = response.Headers.Location!;
                Assert.False(location.IsAbsoluteUri, $"{probe} redirects to an absolute {location}");
                Assert.StartsWith("/account/login?", location.OriginalString);
                Assert.Contains("ReturnUrl=" + Uri.EscapeDataString(probe), location.OriginalString);
            }

            if (expected == HttpStatusCode.Forbidden && probe != "/status/403" && !api)
            {
                // The 403 is rendered as a page that says so, not an empty body.
                Assert.Contains("403", await response.Content.ReadAsStringAsync());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Each_write_endpoint_is_refused_to_roles_that_may_not_call_it(string principal)
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var client = principal == Anonymous ? app.Anonymous() : await app.SignedInAsync(principal);
        await AssertWriteTableAsync(client, principal);
    }

    private static async Task AssertWriteTableAsync(HttpClient client, string principal)
    {
        var before = await client.GetStringAsync("/api/v1/prices").ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);

        // Past authorisation a write meets validation (400) and a probe for one missing subscription 404; never a change.
        foreach (var (table, passed) in new[] { (Writes, HttpStatusCode.BadRequest), (ById, HttpStatusCode.NotFound) })
        {
            foreach (var (route, (method, probe, allowed)) in table)
            {
                using var request = new HttpRequestMessage(method, probe) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
                using var response = await client.SendAsync(request);
                var expected = allowed.Contains(principal) ? passed
                    : principal == Anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
                Assert.True(expected == response.StatusCode, $"{principal} {method} {probe} ({route}): expected {(int)expected}, got {(int)response.StatusCode}");
            }
        }

        if (before is not null)
        {
            Assert.Equal(before, await client.GetStringAsync("/api/v1/prices"));
        }
    }

    public static TheoryData<string> TokenRoles => [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin];

    /// <summary>
    /// The same table for API tokens of each role: a token opens the API and /metrics as its role allows (403
    /// otherwise) and no page (pages take the sign-in cookie only); writes as the write table says, whatever the body's
    /// type (scripts are not browsers), and never a change.
    /// </summary>
    [Theory]
    [MemberData(nameof(TokenRoles))]
    public async Task Each_route_and_write_answers_an_api_token_of(string role)
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var (created, token) = await app.Services.GetRequiredService<CostConsole.Features.ApiTokens.ApiTokenService>().CreateAsync($"table-{role}", role, "test");
        Assert.True(created.Succeeded);
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var before = await client.GetStringAsync("/api/v1/prices");

        foreach (var (route, (probe, allowed)) in Access)
        {
            using var response = await client.GetAsync(probe);
            var machine = probe.StartsWith("/api/", StringComparison.Ordinal) || probe == "/metrics" || probe.StartsWith("/openapi/", StringComparison.Ordinal);
            var expected = machine
                ? (allowed.Contains(role) ? HttpStatusCode.OK : HttpStatusCode.Forbidden)
                : allowed.Contains(Anonymous) ? (probe == "/status/403" ? HttpStatusCode.Forbidden : HttpStatusCode.OK) : HttpStatusCode.Redirect;
            Assert.True(expected == response.StatusCode, $"token of {role} GET {probe} ({route}): expected {(int)expected}, got {(int)response.StatusCode}");
        }

        foreach (var (table, passed) in new[] { (Writes, HttpStatusCode.BadRequest), (ById, HttpStatusCode.NotFound) })
        {
            foreach (var (route, (method, probe, allowed)) in table)
            {
                using var request = new HttpRequestMessage(method, probe) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "text/plain") };
                using var response = await client.SendAsync(request);
                var expected = allowed.Contains(role) ? passed : HttpStatusCode.Forbidden;
                Assert.True(expected == response.StatusCode, $"token of {role} {method} {probe} ({route}): expected {(int)expected}, got {(int)response.StatusCode}");
            }
        }

        Assert.Equal(before, await client.GetStringAsync("/api/v1/prices"));
    }

    [Fact]
    public async Task Signing_out_needs_the_antiforgery_token_and_ends_the_session()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var client = await app.SignedInAsync(Roles.Finance);

        using var forged = await client.PostAsync("/account/logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }
}
