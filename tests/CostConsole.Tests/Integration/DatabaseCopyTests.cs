using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// <c>db copy --to</c>, run as the real binary: a SQLite installation with a ledger, users, a team and its budget, an
/// edited price, an API token and a digest subscription moves into an empty PostgreSQL database; every table's count
/// printed matches both sides, the spend API answers the same from both, the user signs in with the same password
/// and the token works; a second copy into the now full database is refused with nothing changed.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class DatabaseCopyTests(HistoryFixture fixture)
{
    [Fact]
    public async Task A_sqlite_installation_moves_into_postgresql_and_answers_the_same()
    {
        using var sqlite = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "24",
        });
        Assert.Equal(72, await sqlite.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End));
        var email = await sqlite.CreateUserAsync(Roles.Finance);
        var admin = await sqlite.SignedInAsync(Roles.Admin);
        await using (var scope = sqlite.Services.CreateAsyncScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<TeamAdministration>().CreateAsync("search")).Succeeded);
        }

        var teamId = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/budgets")).EnumerateArray().Single(o => o.GetProperty("name").GetString() == "search").GetProperty("teamId").GetInt32();
        using (var budget = await admin.PutAsJsonAsync($"/api/v1/budgets/teams/{teamId}", new { fromMonth = sqlite.Services.GetRequiredService<TimeProvider>().GetUtcNow().ToString("yyyy-MM", CultureInfo.InvariantCulture), monthlyUsd = "250", confirm = true }))
        {
            Assert.True(budget.IsSuccessStatusCode, await budget.Content.ReadAsStringAsync());
        }

        using (var subscribed = await admin.PostAsJsonAsync("/api/v1/digests", new { scope = "org", sendAt = "08:00", timeZone = "UTC", days = "everyday" }))
        {
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        }

        var (created, token) = await sqlite.Services.GetRequiredService<CostConsole.Features.ApiTokens.ApiTokenService>().CreateAsync("chargeback", Roles.Finance, "test");
        Assert.True(created.Succeeded);
        var counts = new Dictionary<string, long>();
        foreach (var table in (string[])["LedgerTokens", "LedgerDays", "LedgerSets", "LedgerHours", "AspNetUsers", "Teams", "Budgets", "DigestSubscriptions", "ApiTokens", "Prices"])
        {
            counts[table] = await CountAsync(sqlite.DatabasePath, table);
        }

        var target = PostgreSqlServer.Shared.CreateDatabase();
        try
        {
            var environment = new Dictionary<string, string?> { ["ConnectionStrings__CostConsole"] = $"Data Source={sqlite.DatabasePath}", ["Prometheus__BaseUrl"] = fixture.Prometheus.BaseUrl };
            var (code, output, error) = await AppProcess.RunAsync(environment, "db", "copy", "--to", target);
            Assert.True(code == 0, output + error);
            // Each table's line: its name, the rows in the source and in the target, equal.
            foreach (var (table, rows) in counts)
            {
                Assert.Matches($@"(?m)^{table}\s+{rows}\s+{rows}$", output);
            }

            Assert.Contains("every count matches", output);
            Assert.DoesNotContain(target, output + error);

            using var postgres = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
            {
                ["Database:Provider"] = "PostgreSql",
                ["ConnectionStrings:CostConsole"] = target,
                ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            });
            var window = $"from={HistoryFixture.Start:yyyy-MM-ddTHH:mm:ssZ}&to={HistoryFixture.End:yyyy-MM-ddTHH:mm:ssZ}";
            var asToken = (AppFactory app) =>
            {
                var client = app.CreateClient();
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                return client;
            };
            foreach (var query in (string[])[$"/api/v1/spend?{window}&groupBy=feature,model", $"/api/v1/spend?{window}&groupBy=team,day", "/api/v1/budgets", "/api/v1/prices"])
            {
                var fromSqlite = await asToken(sqlite).GetStringAsync(query);
                var fromPostgres = await asToken(postgres).GetStringAsync(query);
                Assert.Equal(fromSqlite, fromPostgres);
            }

            // The user's password hash came along: they sign in on the copy.
            Assert.Equal(HttpStatusCode.Redirect, (await AppFactory.SignInAsync(postgres.Anonymous(), email, AppFactory.Password)).StatusCode);

            // A second copy finds data in the target and changes nothing.
            var again = await AppProcess.RunAsync(environment, "db", "copy", "--to", target);
            Assert.Equal(1, again.Code);
            Assert.Contains("the target database is not empty: table", again.Error);
            var after = await asToken(postgres).GetStringAsync($"/api/v1/spend?{window}&groupBy=feature,model");
            Assert.Equal(await asToken(sqlite).GetStringAsync($"/api/v1/spend?{window}&groupBy=feature,model"), after);
        }
        finally
        {
            PostgreSqlServer.Shared.DropDatabase(target);
        }
    }

    [Theory]
    [InlineData(new string[] { "db", "copy" }, "db copy needs --to")]
    [InlineData(new string[] { "db", "copy", "--to", "Host=127.0.0.1" }, "--to must name a Host and a Database.")]
    [InlineData(new string[] { "db", "copy", "--to", "Colour=blue" }, "--to is not a PostgreSQL connection string")]
    public async Task A_bad_target_is_refused_before_anything_is_read(string[] args, string message)
    {
        var folder = Directory.CreateTempSubdirectory("costconsole-copy-");
        try
        {
            var (code, _, error) = await AppProcess.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings__CostConsole"] = $"Data Source={Path.Combine(folder.FullName, "never.db")}" }, args);
            Assert.Equal(2, code);
            Assert.Contains(message, error);
            Assert.False(File.Exists(Path.Combine(folder.FullName, "never.db")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<long> CountAsync(string database, string table)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
