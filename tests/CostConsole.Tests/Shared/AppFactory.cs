using System.Net;
using System.Text.RegularExpressions;
using CostConsole.Data;
using CostConsole.Features.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Shared;

/// <summary>
/// The real app in-process over a real SQLite file of its own, pointed at a given Prometheus.
/// Each factory gets a fresh database folder, removed on dispose.
/// </summary>
public sealed partial class AppFactory : WebApplicationFactory<Program>
{
    public const string Password = "correct horse battery staple";

    private readonly Dictionary<string, string?> _settings;

    private readonly TimeProvider? _time;

    public AppFactory(string prometheusUrl, IDictionary<string, string?>? settings = null, TimeProvider? time = null, DatabaseProvider database = DatabaseProvider.Sqlite)
    {
        _time = time;
        Database = database;
        Folder = Directory.CreateTempSubdirectory("costconsole-app-");
        DatabasePath = Path.Combine(Folder.FullName, "costconsole.db");
        // On PostgreSQL, a database of its own on the run's server (dropped on dispose).
        PostgreSqlConnection = database == DatabaseProvider.PostgreSql ? PostgreSqlServer.Shared.CreateDatabase() : null;
        _settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = database.ToString(),
            ["ConnectionStrings:CostConsole"] = PostgreSqlConnection ?? $"Data Source={DatabasePath}",
            ["Prometheus:BaseUrl"] = prometheusUrl,
            ["Prometheus:TimeoutSeconds"] = "5",
            // Tests drive ingestion themselves; the background loop would race them.
            ["Ledger:Enabled"] = "false",
            // Tests set the clock where they need it; an hour closes as soon as it ends unless a test asks for a settle delay.
            ["Ledger:SettleSeconds"] = "0",
            ["Budgets:CheckMinutes"] = "0",
            ["Digests:Worker"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        // A test may point the app at a PostgreSQL database of its own making (several replicas on one database).
        if (string.Equals(_settings["Database:Provider"], "PostgreSql", StringComparison.OrdinalIgnoreCase))
        {
            Database = DatabaseProvider.PostgreSql;
        }
    }

    public DirectoryInfo Folder { get; }

    /// <summary>The SQLite file (unused on PostgreSQL).</summary>
    public string DatabasePath { get; }

    public DatabaseProvider Database { get; }

    /// <summary>The app's PostgreSQL database, or null on SQLite.</summary>
    public string? PostgreSqlConnection { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(AppContext.BaseDirectory);
        builder.UseEnvironment("Testing");
        // Serve MudBlazor's and the app's assets from the build output, as Development does, for the browser tests.
        builder.UseStaticWebAssets();
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(_settings));
        if (_time is not null)
        {
            builder.ConfigureServices(services => services.AddSingleton(_time));
        }

        if (Replace is not null)
        {
            builder.ConfigureServices(Replace);
        }
    }

    /// <summary>Services a test puts in place of the app's own (a counting decorator, say), set before the host is built.</summary>
    public Action<IServiceCollection>? Replace { get; init; }

    /// <summary>Creates a user with the role (through the same code the admin page uses) and returns its email.</summary>
    public async Task<string> CreateUserAsync(string role, string? email = null)
    {
        email ??= $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.test";
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<UserAdministration>().CreateAsync(email, role, Password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        return email;
    }

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>Signs in through the real login form (antiforgery token included) and returns the client holding the cookie.</summary>
    public async Task<HttpClient> SignedInAsync(string role)
    {
        var email = await CreateUserAsync(role);
        var client = Anonymous();
        var response = await SignInAsync(client, email, Password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        return client;
    }

    /// <summary>
    /// Signs in through the real form. The client then sends its own Origin with every request, as the app's pages do
    /// in a browser: cookie-authenticated writes must come from the app's own origin (see CrossSiteWriteGuard).
    /// </summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password, string returnUrl = "/")
    {
        if (!client.DefaultRequestHeaders.Contains("Origin") && client.BaseAddress is { } address)
        {
            client.DefaultRequestHeaders.Add("Origin", address.GetLeftPart(UriPartial.Authority));
        }

        var page = await client.GetStringAsync("/account/login");
        var token = AntiforgeryToken(page);
        Assert.False(string.IsNullOrEmpty(token), "the login page should carry an antiforgery token");
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = token,
        }));
    }

    /// <summary>The antiforgery token a page's form carries (the first, when it has several forms).</summary>
    public static string AntiforgeryToken(string page) => AntiforgeryField().Match(page).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (PostgreSqlConnection is not null)
            {
                PostgreSqlServer.Shared.DropDatabase(PostgreSqlConnection);
            }

            try
            {
                Folder.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
