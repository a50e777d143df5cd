using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CostConsole.Features.ApiTokens;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Every cookie-authenticated write endpoint, enumerated from the app's endpoint data source (a new one cannot escape),
/// sent the way another site can send it — an HTML form's text/plain, form-urlencoded or multipart body, from a foreign
/// origin, a same-site origin on another port, or with no Origin — is refused, and nothing stored changes. The same
/// write from the app's own origin with JSON, or from a script with an API token, is taken.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class CrossSiteWriteTests(HistoryFixture fixture)
{
    // A body that, taken, adds a price: the write the review forged with a text/plain form. The stamp of a model with no
    // entries is computable by anyone, so it is no defence.
    private static readonly string PriceBody =
        $$"""{"model":"csrf-probe","effectiveFrom":"2026-11-20T00:00:00Z","input":1,"output":2,"reason":"probe","confirm":true,"stamp":"{{CostConsole.Features.Pricing.PriceEditor.StampOf([], "csrf-probe")}}"}""";

    private static IReadOnlyList<(string Method, string Path)> UnsafeApiEndpoints(AppFactory app, int digestId) =>
        [.. ApiEndpoints.Of(app)
            .Where(e => e.Method is "POST" or "PUT" or "PATCH" or "DELETE")
            .Select(e => (e.Method, Path: ApiEndpoints.Fill(e.Template, digestId.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .Select(e => e.Path == "/api/v1/prices/import" ? (e.Method, e.Path + "?format=csv&dryRun=false&onlySeen=false") : e)];

    private static HttpContent Body(string kind) => kind switch
    {
        "text/plain" => new StringContent(PriceBody, Encoding.UTF8, "text/plain"),
        "form" => new FormUrlEncodedContent([new(PriceBody, "")]),
        "multipart" => new MultipartFormDataContent { { new StringContent(PriceBody), "file", "prices.csv" } },
        _ => new StringContent(PriceBody, Encoding.UTF8, "application/json"),
    };

    /// <summary>Everything a forged write could change, as an Admin reads it.</summary>
    private static async Task<string> StoredAsync(HttpClient admin, int digestId) => string.Join("\n",
        await admin.GetStringAsync("/api/v1/prices"), await admin.GetStringAsync("/api/v1/prices/audit"),
        await admin.GetStringAsync("/api/v1/budgets/audit"), await admin.GetStringAsync("/api/v1/digests"),
        await admin.GetStringAsync($"/api/v1/digests/{digestId}/deliveries"));

    [Fact]
    public async Task Forged_cross_site_writes_are_refused_and_change_nothing()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var admin = await app.SignedInAsync(Roles.Admin);
        using var subscribed = await admin.PostAsync("/api/v1/digests", new StringContent("""{"scope":"org","sendAt":"08:00","timeZone":"UTC"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        var digestId = System.Text.Json.JsonDocument.Parse(await subscribed.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var endpoints = UnsafeApiEndpoints(app, digestId);
        Assert.Contains(("POST", "/api/v1/prices"), endpoints);
        Assert.Contains(("POST", $"/api/v1/digests/{digestId}/test"), endpoints);
        var before = await StoredAsync(admin, digestId);

        // A browser on another site (or on this host's Prometheus port) sends the victim's cookie and its own Origin.
        var victim = await app.SignedInAsync(Roles.Admin);
        victim.DefaultRequestHeaders.Remove("Origin");
        List<string> taken = [];
        foreach (var (method, path) in endpoints)
        {
            foreach (var origin in new[] { "http://evil.example", "http://localhost:9090", null })
            {
                foreach (var kind in new[] { "text/plain", "form", "multipart", "json" })
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Body(kind) };
                    if (origin is not null) request.Headers.Add("Origin", origin);
                    using var response = await victim.SendAsync(request);
                    if (response.StatusCode != HttpStatusCode.Forbidden || !(await response.Content.ReadAsStringAsync()).Contains("Cross-site request refused", StringComparison.Ordinal))
                    {
                        taken.Add($"{method} {path} from {origin ?? "no Origin"} as {kind}: {(int)response.StatusCode}");
                    }
                }
            }

            // A fetch from a foreign page says so in Sec-Fetch-Site even when it hides its Origin.
            using var fetched = new HttpRequestMessage(new HttpMethod(method), path) { Content = Body("json") };
            fetched.Headers.Add("Sec-Fetch-Site", "same-site");
            using var answer = await victim.SendAsync(fetched);
            if (answer.StatusCode != HttpStatusCode.Forbidden) taken.Add($"{method} {path} with Sec-Fetch-Site same-site: {(int)answer.StatusCode}");
        }

        Assert.True(taken.Count == 0, string.Join("\n", taken));
        Assert.Equal(before, await StoredAsync(admin, digestId));
    }

    [Fact]
    public async Task From_its_own_origin_a_form_body_is_refused_as_unsupported_and_json_is_taken()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var engineer = await app.SignedInAsync(Roles.Engineer); // sends Origin: http://localhost, as the app's pages do

        foreach (var kind in new[] { "text/plain", "form", "multipart" })
        {
            using var refused = await engineer.PostAsync("/api/v1/prices", Body(kind));
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
            Assert.Contains("send it as application/json", await refused.Content.ReadAsStringAsync());
        }

        Assert.DoesNotContain("csrf-probe", await engineer.GetStringAsync("/api/v1/prices"));
        using var taken = await engineer.PostAsync("/api/v1/prices", Body("json"));
        Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
        Assert.Contains("csrf-probe", await engineer.GetStringAsync("/api/v1/prices"));
    }

    [Fact]
    public async Task A_script_with_an_api_token_is_not_a_browser_and_is_taken()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var (result, token) = await app.Services.GetRequiredService<ApiTokenService>().CreateAsync("script", Roles.Engineer, "test");
        Assert.True(result.Succeeded);
        using var script = app.Anonymous();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var taken = await script.PostAsync("/api/v1/prices", Body("text/plain"));

        Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
    }
}
