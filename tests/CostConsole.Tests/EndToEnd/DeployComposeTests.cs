using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// <c>deploy/compose.yaml</c> and <c>deploy/nginx.conf</c> as they are written, without a container engine (none runs
/// here): the replicas' environment from the compose file starts two real CostConsole processes on one real PostgreSQL
/// (only the host names are pointed at the test's servers), Debian's nginx runs the file's upstream, WebSocket and
/// sticky-session rules in front of them, and a browser signs in through it and gets a live Blazor page.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed partial class DeployComposeTests(HistoryFixture fixture) : IAsyncLifetime
{
    private readonly BrowserFixture _browser = new();

    public Task InitializeAsync() => _browser.InitializeAsync();

    public Task DisposeAsync() => _browser.DisposeAsync();

    private static string Deploy(string file) => Path.Combine(ProductProcess.RepositoryRoot, "deploy", file);

    /// <summary>The <c>KEY: value</c> lines of the block that starts at <paramref name="header"/> (one level deeper than it).</summary>
    private static Dictionary<string, string> Block(string[] lines, string header)
    {
        var start = Array.FindIndex(lines, l => l.TrimEnd() == header);
        Assert.True(start >= 0, $"compose.yaml has no line '{header}'");
        var indent = lines[start].Length - lines[start].TrimStart().Length;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(start + 1))
        {
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            if (line.Length - line.TrimStart().Length <= indent) break;
            var match = Setting().Match(line);
            if (match.Success) values[match.Groups[1].Value] = match.Groups[2].Value.Trim().Trim('"');
        }

        return values;
    }

    [GeneratedRegex(@"^\s+([A-Za-z][A-Za-z0-9_]*):\s+(\S.*)$")]
    private static partial Regex Setting();

    [Fact]
    public async Task The_compose_replicas_behind_the_nginx_file_serve_a_live_signed_in_page()
    {
        var lines = await File.ReadAllLinesAsync(Deploy("compose.yaml"));
        var shared = Block(lines, "  environment: &costconsole-environment");
        Assert.Equal("PostgreSql", shared["Database__Provider"]);
        Assert.StartsWith("Host=postgres;Database=costconsole;Username=costconsole;Password=${POSTGRES_PASSWORD", shared["ConnectionStrings__CostConsole"]);
        Assert.Equal("http://prometheus:9090", shared["Prometheus__BaseUrl"]);
        Assert.Equal("maildev", shared["Smtp__Host"]);
        var replicas = new[] { "costconsole-1", "costconsole-2" }.ToDictionary(name => name, name => Block(lines, $"  {name}:"));
        // The Dockerfile the services build from listens on 8080, which nginx.conf's upstream names.
        Assert.Contains("ASPNETCORE_URLS=http://+:8080", await File.ReadAllTextAsync(Path.Combine(ProductProcess.RepositoryRoot, "Dockerfile")));

        await using var mail = await MailDevServer.StartAsync();
        var database = PostgreSqlServer.Shared.CreateDatabase();
        try
        {
            // The compose file's settings as they are, with only its service names pointed at this test's servers.
            Dictionary<string, string?> Environment(string replica)
            {
                var settings = shared.ToDictionary(s => s.Key, s => (string?)s.Value);
                settings["ConnectionStrings__CostConsole"] = database;
                settings["Prometheus__BaseUrl"] = fixture.Prometheus.BaseUrl;
                settings["Smtp__Host"] = "127.0.0.1";
                settings["Smtp__Port"] = mail.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
                settings["Ledger__BackfillFrom"] = HistoryFixture.Start.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
                foreach (var (key, value) in replicas[replica].Where(r => r.Key.Contains("__", StringComparison.Ordinal))) settings[key] = value;
                return settings;
            }

            var dll = ProductProcess.BuildOutput;
            var email = "admin@compose.test";
            var (code, _, error) = await ProductProcess.RunCommandAsync(dll, new Dictionary<string, string?>(Environment("costconsole-1")) { ["COSTCONSOLE_PASSWORD"] = AppFactory.Password }, "users", "create", "--email", email, "--role", "Admin");
            Assert.True(code == 0, error);
            await using var one = await ProductProcess.StartAsync(dll, Environment("costconsole-1"));
            await using var two = await ProductProcess.StartAsync(dll, Environment("costconsole-2"));

            // nginx.conf as written, its upstream servers pointed at the two processes and its port at a free one.
            var config = (await File.ReadAllTextAsync(Deploy("nginx.conf")))
                .Replace("server costconsole-1:8080", "server " + new Uri(one.BaseUrl).Authority, StringComparison.Ordinal)
                .Replace("server costconsole-2:8080", "server " + new Uri(two.BaseUrl).Authority, StringComparison.Ordinal);
            Assert.Contains("ip_hash;", config);
            await using var nginx = await NginxProxy.StartWithAsync(port => config.Replace("listen 80;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal));

            var page = await ProductChecks.SignInAsync(_browser.Browser, nginx.BaseUrl, email, AppFactory.Password);
            await ProductChecks.AssertStyledAndLiveAsync(page);

            // Both replicas answer for themselves, and they agree on which one writes the ledger.
            var writers = new List<string?>();
            foreach (var replica in new[] { one, two })
            {
                using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(replica.BaseUrl) };
                Assert.Equal(HttpStatusCode.Redirect, (await AppFactory.SignInAsync(http, email, AppFactory.Password)).StatusCode);
                var ready = await WaitUntil.ValueAsync(() => http.GetFromJsonAsync<JsonElement>("/readyz"),
                    r => r.TryGetProperty("ledgerWriter", out var w) && w.ValueKind == JsonValueKind.String, TimeSpan.FromSeconds(60), "a replica to hold the ledger lease", r => r.GetRawText());
                writers.Add(ready.GetProperty("ledgerWriter").GetString());
            }

            Assert.Single(writers.Distinct());
            Assert.Contains(writers[0], replicas.Keys);

            // Across the two processes: a cookie from one signs in on the other, and a price imported on one reaches the
            // other's next view (its cached answer dropped by the change signal) once the ledger is caught up.
            using (var first = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(one.BaseUrl) })
            using (var second = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(two.BaseUrl) })
            {
                var signIn = await AppFactory.SignInAsync(first, email, AppFactory.Password);
                second.DefaultRequestHeaders.Add("Cookie", string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
                using var budgets = await second.GetAsync("/budgets");
                Assert.Equal(HttpStatusCode.OK, budgets.StatusCode);
            }

            var (made, token, _) = await ProductProcess.RunCommandAsync(dll, Environment("costconsole-1"), "tokens", "create", "--name", "compose-engineer", "--role", "Engineer");
            Assert.Equal(0, made);
            token = token.Trim();
            var hour = DateTimeOffset.UtcNow.AddHours(-1);
            hour = new DateTimeOffset(hour.Year, hour.Month, hour.Day, hour.Hour, 0, 0, TimeSpan.Zero);
            await ProductProcess.WaitForLedgerAsync(two.BaseUrl, token, hour, TimeSpan.FromMinutes(3));
            HttpClient Api(ProductProcess replica)
            {
                var client = new HttpClient { BaseAddress = new Uri(replica.BaseUrl) };
                client.DefaultRequestHeaders.Authorization = new("Bearer", token);
                return client;
            }

            var query = $"/api/v1/spend?from={HistoryFixture.Start:yyyy-MM-ddTHH:mm:ssZ}&to={HistoryFixture.End:yyyy-MM-ddTHH:mm:ssZ}&model=gpt-4o-mini";
            async Task<decimal> CostOnTwoAsync() => (await Api(two).GetFromJsonAsync<JsonElement>(query)).GetProperty("totals").GetProperty("costUsd").GetDecimal();
            var before = await CostOnTwoAsync();
            Assert.True(before > 0);
            using (var imported = await Api(one).PostAsync("/api/v1/prices/import?format=csv&dryRun=false&onlySeen=false",
                new StringContent("model,effective_from_utc,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,cache_write_usd_per_mtok\ngpt-4o-mini,2026-11-01T00:00:00Z,0.30,1.20,,\n", System.Text.Encoding.UTF8, "text/csv")))
            {
                Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
            }

            await WaitUntil.ValueAsync(CostOnTwoAsync, cost => Math.Abs(cost - before * 2) < 0.00001m, TimeSpan.FromSeconds(10), "the other process to price with the imported entry");
        }
        finally
        {
            PostgreSqlServer.Shared.DropDatabase(database);
        }
    }
}
