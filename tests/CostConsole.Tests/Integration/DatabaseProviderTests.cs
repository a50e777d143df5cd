using System.Net;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Database:Provider: each provider's migrations describe the one model (a drift fails here), PostgreSQL from a real
/// server keeps what SQLite keeps (team names unique whatever their case, the seeded prices, sign-in), and bad
/// settings or an unreachable server are named on /readyz's page without stopping the app.
/// </summary>
public sealed class DatabaseProviderTests
{
    private const string NoPrometheus = "http://127.0.0.1:9";

    [Fact]
    public void Each_providers_migrations_describe_the_current_model()
    {
        using var sqlite = new CostConsoleDbContext(new DbContextOptionsBuilder<CostConsoleDbContext>().UseSqlite("Data Source=:memory:").Options);
        using var postgres = new PostgreSqlCostConsoleDbContext(new DbContextOptionsBuilder<PostgreSqlCostConsoleDbContext>().UseNpgsql("Host=127.0.0.1;Database=unused").Options);

        // A model change without a migration for each provider ("dotnet ef migrations add … --context …") fails here.
        Assert.False(sqlite.Database.HasPendingModelChanges(), "The SQLite migrations (migrations/Sqlite) lag the model: add one.");
        Assert.False(postgres.Database.HasPendingModelChanges(), "The PostgreSQL migrations (migrations/PostgreSql) lag the model: add one.");
        Assert.NotEmpty(sqlite.Database.GetMigrations());
        Assert.NotEmpty(postgres.Database.GetMigrations());
        Assert.Empty(sqlite.Database.GetMigrations().Intersect(postgres.Database.GetMigrations()));
    }

    [Fact]
    public async Task On_postgresql_the_app_migrates_signs_in_and_keeps_team_names_unique_whatever_their_case()
    {
        using var app = new AppFactory(NoPrometheus, database: DatabaseProvider.PostgreSql);
        var admin = await app.SignedInAsync(Roles.Admin);

        Assert.True(app.Services.GetRequiredService<DatabaseStatus>().Ready, app.Services.GetRequiredService<DatabaseStatus>().Problem);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CostConsoleDbContext>();
        Assert.IsType<PostgreSqlCostConsoleDbContext>(db);
        Assert.Equal([], await db.Database.GetPendingMigrationsAsync());
        // The starter prices are there, and the next price gets the next id (the seeded ids are past the sequence).
        Assert.Equal(["gpt-4o-2024-11-20", "gpt-4o-mini"], await db.Prices.OrderBy(p => p.Model).Select(p => p.Model).ToListAsync());

        var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
        Assert.True((await teams.CreateAsync("Search")).Succeeded);
        var again = await teams.CreateAsync("search");
        Assert.False(again.Succeeded);
        Assert.Equal(1, await db.Teams.CountAsync());
        Assert.Equal("Search", await db.Teams.Where(t => t.Name == "SEARCH").Select(t => t.Name).SingleAsync());

        var prices = await admin.GetStringAsync("/prices");
        Assert.Contains("gpt-4o-mini", prices);
    }

    [Theory]
    [InlineData("Database:Provider", "Oracle", "Database:Provider must be Sqlite or PostgreSql (was &#x27;Oracle&#x27;).")]
    [InlineData("ConnectionStrings:CostConsole", "Host=127.0.0.1", "ConnectionStrings:CostConsole must name a Host and a Database with Database:Provider PostgreSql.")]
    [InlineData("ConnectionStrings:CostConsole", "Host=127.0.0.1;Colour=blue", "ConnectionStrings:CostConsole is not a valid PostgreSQL connection string")]
    [InlineData("ConnectionStrings:CostConsole", "Host=127.0.0.1;Port=9;Database=costconsole;Timeout=2", "PostgreSQL cannot be reached")]
    public async Task A_bad_postgresql_setting_or_an_unreachable_server_is_named_and_the_app_keeps_serving(string key, string value, string message)
    {
        using var app = new AppFactory(NoPrometheus, new Dictionary<string, string?> { ["Database:Provider"] = "PostgreSql", [key] = value });

        using var ready = await app.Anonymous().GetAsync("/readyz");
        using var live = await app.Anonymous().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Contains(message, await app.Anonymous().GetStringAsync("/account/login"));
    }

    [Fact]
    public async Task A_database_that_does_not_exist_yet_is_created_by_the_migration_when_the_user_may()
    {
        var name = "cc_new_" + Guid.NewGuid().ToString("N")[..12];
        var connection = PostgreSqlServer.Shared.ConnectionString(name);
        try
        {
            using (var app = new AppFactory(NoPrometheus, new Dictionary<string, string?> { ["Database:Provider"] = "PostgreSql", ["ConnectionStrings:CostConsole"] = connection }))
            {
                await app.Anonymous().GetAsync("/healthz");
                Assert.True(app.Services.GetRequiredService<DatabaseStatus>().Ready, app.Services.GetRequiredService<DatabaseStatus>().Problem);
            }

            await using var check = new Npgsql.NpgsqlConnection(PostgreSqlServer.Shared.AdminConnectionString);
            await check.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", check);
            command.Parameters.AddWithValue("name", name);
            Assert.Equal(1L, await command.ExecuteScalarAsync());
        }
        finally
        {
            PostgreSqlServer.Shared.DropDatabase(connection);
        }
    }
}
