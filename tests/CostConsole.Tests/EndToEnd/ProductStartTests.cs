using CostConsole.Tests.Shared;
using CostConsole.Workload;

namespace CostConsole.Tests.EndToEnd;

/// <summary>A Prometheus whose generated history reaches the present minute, so "this month" and "today" have spend whenever the tests run.</summary>
public sealed class PresentHistoryFixture : IAsyncLifetime
{
    public PrometheusServer Prometheus { get; private set; } = null!;

    public Simulation History => Prometheus.History!;

    public async Task InitializeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var end = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var start = new DateTimeOffset(end.Year, end.Month, end.Day, end.Hour, 0, 0, TimeSpan.Zero).AddDays(-2);
        Prometheus = await PrometheusServer.StartAsync(new WorkloadSettings { Seed = 14, Start = start, FeatureCount = 5, PodsPerTeam = 1 }, end);
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null) await Prometheus.DisposeAsync();
    }
}

/// <summary>
/// The tests that start the product as its users do run one at a time, and alone: they publish and build the same
/// project, and the demo starts a whole stack (Prometheus, maildev, the app) that would starve the browser journeys
/// running beside it on a 2-core machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProductCollection : ICollectionFixture<PresentHistoryFixture>
{
    public const string Name = "the product as users start it";
}

/// <summary>
/// The app as a newcomer starts it, not as the test host does: the build output (`dotnet run`, `dotnet build`) and the
/// output of `dotnet publish` started as the Dockerfile starts it, each as `dotnet CostConsole.dll` in Production with
/// settings from the environment alone; users and tokens made with its own commands; pages in Debian Chromium.
/// </summary>
[Collection(ProductCollection.Name)]
public sealed class ProductStartTests(PresentHistoryFixture prometheus) : IAsyncLifetime
{
    private readonly BrowserFixture _browser = new();
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("costconsole-product-");

    public Task InitializeAsync() => _browser.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task The_build_output_started_in_production_serves_a_styled_interactive_overview() =>
        await StartAndBrowseAsync(ProductProcess.BuildOutput, "build-output");

    [Fact]
    public async Task The_published_app_started_as_the_dockerfile_starts_it_serves_a_styled_interactive_overview()
    {
        var published = Path.Combine(_folder.FullName, "app");
        await ProductProcess.PublishAsync(published);
        Assert.True(File.Exists(Path.Combine(published, "wwwroot", "lib", "apexcharts", "apexcharts.min.js")), "the published wwwroot lacks ApexCharts");

        await StartAndBrowseAsync(Path.Combine(published, "CostConsole.dll"), "published");
    }

    private async Task StartAndBrowseAsync(string dll, string name)
    {
        // What the Dockerfile and the demo set: where the database lives and which Prometheus to read. Nothing else.
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__CostConsole"] = $"Data Source={Path.Combine(_folder.FullName, name + ".db")}",
            ["Prometheus__BaseUrl"] = prometheus.Prometheus.BaseUrl,
        };
        var email = $"finance@{name}.test";
        var created = await ProductProcess.RunCommandAsync(dll, new Dictionary<string, string?>(settings) { ["COSTCONSOLE_PASSWORD"] = AppFactory.Password }, "users", "create", "--email", email, "--role", "Finance");
        Assert.Equal((0, $"Created {email} with the role Finance.\n", ""), created);
        var token = await ProductProcess.RunCommandAsync(dll, settings, "tokens", "create", "--name", "ledger-check", "--role", "Finance");
        Assert.Equal(0, token.Code);
        // A command's output is its answer; its log lines below Warning stay out of sight.
        Assert.DoesNotContain("info:", token.Error);

        // The newest hour the app can have closed: an hour closes once Ledger:SettleSeconds (120 s by default) have passed.
        var hour = DateTimeOffset.UtcNow.AddSeconds(-120);
        hour = new DateTimeOffset(hour.Year, hour.Month, hour.Day, hour.Hour, 0, 0, TimeSpan.Zero);
        await using var app = await ProductProcess.StartAsync(dll, settings);
        await ProductProcess.WaitForLedgerAsync(app.BaseUrl, token.Output.Trim(), hour, TimeSpan.FromSeconds(120));
        Assert.DoesNotContain("WebRootPath was not found", app.Log.Text);
        Assert.DoesNotContain("not running against the published output", app.Log.Text);

        var page = await ProductChecks.SignInAsync(_browser.Browser, app.BaseUrl, email, AppFactory.Password);
        await ProductChecks.AssertStyledAndLiveAsync(page);
        var truth = prometheus.History.GroundTruth.Keys;
        await ProductChecks.AssertGroupingSwitchRedrawsAsync(page, truth.Select(k => k.Feature).ToHashSet(), truth.Select(k => k.Model).ToHashSet());
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, $"product-{name}-overview-by-model-1280x800.png"), FullPage = true });
    }
}
