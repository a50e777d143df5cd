using System.Net.Http.Headers;
using CostConsole.Features.ApiTokens;
using CostConsole.Features.Identity;
using CostConsole.Features.Pricing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Shared;

/// <summary>
/// CostConsole on a loopback port with the test's prices stored and a Finance API token, for a test Prometheus to
/// scrape its <c>/metrics</c> and for the test to fetch the exported rules.
/// </summary>
public sealed class ScrapedApp : IDisposable
{
    private ScrapedApp(AppFactory app, int port, string token)
    {
        App = app;
        Port = port;
        Token = token;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public AppFactory App { get; }

    public int Port { get; }

    public string Token { get; }

    /// <summary>A client that sends the API token.</summary>
    public HttpClient Http { get; }

    /// <summary>Prometheus' scrape job for CostConsole's <c>/metrics</c>, with the token.</summary>
    public ScrapeJob Job => new("costconsole", $"127.0.0.1:{Port}", Token, Interval: "2s");

    public static async Task<ScrapedApp> StartAsync(IReadOnlyList<PriceEntry> prices, IDictionary<string, string?> settings)
    {
        var port = PrometheusServer.FreePort();
        var app = new AppFactory("http://127.0.0.1:9", settings);
        try
        {
            app.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port));
            app.StartServer();
            Assert.Empty(await app.Services.GetRequiredService<PriceStore>().ImportAsync(prices, "test"));
            var (created, token) = await app.Services.GetRequiredService<ApiTokenService>().CreateAsync("prometheus", Roles.Finance, "test");
            Assert.True(created.Succeeded);
            return new ScrapedApp(app, port, token!);
        }
        catch
        {
            app.Dispose();
            throw;
        }
    }

    /// <summary>The exported rules of one kind (gauge or inline).</summary>
    public Task<string> RulesAsync(string kind) => Http.GetStringAsync($"/api/v1/prometheus/rules?variant={kind}");

    public void Dispose()
    {
        Http.Dispose();
        App.Dispose();
    }
}
