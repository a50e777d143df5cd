using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using CostConsole.Configuration;
using CostConsole.Data;
using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Features.Spend;
using CostConsole.Prometheus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Shared;

/// <summary>
/// The app's own services for a page test, over a SQLite file of the test's own: registered by the same Add… methods
/// the app uses, with Prometheus pointed at a closed port (a page test reads no live hour). Hosted services are not
/// started by bUnit.
/// </summary>
public static class PageServices
{
    public static DirectoryInfo AddCostConsoleForPages(this BunitContext context, TimeProvider time, IDictionary<string, string?>? settings = null)
    {
        var folder = Directory.CreateTempSubdirectory("costconsole-page-");
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:CostConsole"] = $"Data Source={Path.Combine(folder.FullName, "costconsole.db")}",
            ["Prometheus:BaseUrl"] = "http://127.0.0.1:9",
            ["Prometheus:TimeoutSeconds"] = "2",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = context.Services;
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddCostConsoleSettings(configuration);
        services.AddSingleton(time);
        services.AddCostConsoleData(configuration);
        services.AddCostConsolePrometheus(configuration);
        services.AddCostConsoleLedger(configuration);
        services.AddCostConsoleSpend(configuration);
        services.AddCostConsolePricing(configuration);
        services.AddScoped<CostConsole.Features.Shell.UiPreferences>();
        return folder;
    }

    /// <summary>Signs the page's user in with one role (the pages read roles from the authentication state).</summary>
    public static void SignIn(this BunitAuthorizationContext authorization, string email, string role) =>
        authorization.SetAuthorized(email).SetRoles(role)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, "user-" + role), new Claim(ClaimTypes.Email, email));
}
