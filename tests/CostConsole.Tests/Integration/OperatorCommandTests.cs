using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using CostConsole.Tests.Shared;
using Microsoft.Data.Sqlite;

namespace CostConsole.Tests.Integration;

/// <summary>prices import, tokens create and ledger sync, run as the real binary against a real database and Prometheus.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class OperatorCommandTests(HistoryFixture fixture) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("costconsole-ops-");

    private string Database => Path.Combine(_folder.FullName, "ops.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private Task<(int Code, string Output, string Error)> RunAsync(params string[] args) =>
        AppProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__CostConsole"] = $"Data Source={Database}",
            ["Prometheus__BaseUrl"] = fixture.Prometheus.BaseUrl,
            ["Ledger__BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger__ChunkHours"] = "12",
        }, args);

    private async Task<long> ScalarAsync(string sql)
    {
        await using var db = new SqliteConnection($"Data Source={Database}");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Prices_import_takes_a_good_file_and_refuses_a_bad_one_whole()
    {
        var good = WriteFile("good.csv", "model,effective_from_utc,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,cache_write_usd_per_mtok\nre:claude-.*,2026-01-01T00:00:00Z,3,15,0.3,3.75\n");
        var bad = WriteFile("bad.csv", "model,effective_from_utc,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,cache_write_usd_per_mtok\nfine-model,2026-01-01T00:00:00Z,1,2,,\nbroken,2026-01-01T00:00:00Z,-4,2,,\n");

        var imported = await RunAsync("prices", "import", good);
        var refused = await RunAsync("prices", "import", bad);
        var again = await RunAsync("prices", "import", good);

        Assert.Equal(0, imported.Code);
        Assert.Contains("Imported 1 price entries", imported.Output);
        Assert.Equal(1, refused.Code);
        Assert.Contains("line 3: input_usd_per_mtok -4 is negative", refused.Error);
        Assert.Contains("Nothing was imported", refused.Error);
        Assert.Equal(1, again.Code);
        Assert.Contains("already has a stored price", again.Error);
        // The two starter prices and the one good import; nothing from the bad file or the repeat.
        Assert.Equal(3, await ScalarAsync("SELECT COUNT(*) FROM Prices"));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM Prices WHERE Model = 'fine-model'"));
    }

    [Fact]
    public async Task Ledger_sync_reports_progress_and_fills_the_hours_up_to_until()
    {
        var until = HistoryFixture.Start.AddDays(1);

        var (code, output, error) = await RunAsync("ledger", "sync", "--until", until.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

        Assert.True(code == 0, error);
        Assert.Contains("12/24 hours (50%)", output);
        Assert.Contains($"exact through {until:yyyy-MM-ddTHH:mm}Z", output);
        Assert.Equal(24, await ScalarAsync("SELECT COUNT(*) FROM LedgerHours"));
        var expected = fixture.History.GroundTruth.Where(t => t.Key.Hour < until).Sum(t => t.Value);
        Assert.Equal(expected, await ScalarAsync("SELECT SUM(Tokens) FROM LedgerTokens"));
    }

    [Fact]
    public async Task Ledger_sync_with_a_bad_until_or_no_prometheus_says_so()
    {
        var bad = await RunAsync("ledger", "sync", "--until", "someday");
        var offline = await AppProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__CostConsole"] = $"Data Source={Database}",
            ["Prometheus__BaseUrl"] = $"http://127.0.0.1:{PrometheusServer.FreePort()}",
            ["Ledger__RetryAttempts"] = "1",
            ["Ledger__BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
        }, "ledger", "sync", "--until", HistoryFixture.Start.AddHours(2).ToString("O", CultureInfo.InvariantCulture));

        Assert.Equal(2, bad.Code);
        Assert.Contains("--until 'someday' is not an ISO 8601 time", bad.Error);
        Assert.Equal(1, offline.Code);
        Assert.Contains("Cannot reach Prometheus", offline.Error);
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM LedgerHours"));
    }

    [Fact]
    public async Task A_token_from_the_command_line_opens_the_api_until_it_is_revoked()
    {
        var created = await RunAsync("tokens", "create", "--name", "chargeback-script", "--role", "Finance");
        var badRole = await RunAsync("tokens", "create", "--name", "x", "--role", "Root");
        Assert.Equal(0, created.Code);
        Assert.Equal(1, badRole.Code);
        Assert.Contains("'Root' is not a role", badRole.Error);
        var token = created.Output.Trim();
        Assert.StartsWith("cc_", token);
        Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) FROM ApiTokens WHERE Hash LIKE '%{token[3..13]}%'"));

        using var app = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?> { ["ConnectionStrings:CostConsole"] = $"Data Source={Database}" });
        var client = app.Anonymous();
        var url = $"/api/v1/spend?from={HistoryFixture.Start:yyyy-MM-ddTHH:mm:ssZ}&to={HistoryFixture.End:yyyy-MM-ddTHH:mm:ssZ}";
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(url)).StatusCode);

        await using (var db = new SqliteConnection($"Data Source={Database}"))
        {
            await db.OpenAsync();
            await using var revoke = db.CreateCommand();
            revoke.CommandText = "UPDATE ApiTokens SET RevokedUtc = 1";
            await revoke.ExecuteNonQueryAsync();
        }

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(url)).StatusCode);
        // A bearer token never opens a page: pages use the sign-in cookie only.
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }
}
