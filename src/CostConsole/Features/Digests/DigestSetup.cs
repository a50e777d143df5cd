using CostConsole.Features.Identity;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Digests;

public static class DigestSetup
{
    public const string DashboardPath = "/hangfire";

    public static IServiceCollection AddCostConsoleDigests(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DigestOptions>().Bind(configuration.GetSection(DigestOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DigestOptions>, ValidateDigestOptions>();
        // Each app instance holds its own storage (registered before AddHangfire, which only fills in what is missing),
        // so several instances in one process — the tests — never share Hangfire's global one.
        services.AddSingleton<JobStorage>(provider =>
        {
            // Hangfire's own settings (serializer, log provider) are applied when its configuration is first resolved.
            provider.GetRequiredService<IGlobalConfiguration>();
            var options = provider.GetRequiredService<IOptions<DigestOptions>>().Value;
            var database = provider.GetRequiredService<CostConsole.Data.DatabaseProviderChoice>().Provider;
            var storage = options.Storage ?? (database == CostConsole.Data.DatabaseProvider.PostgreSql ? DigestStorage.PostgreSql : DigestStorage.InMemory);
            if (storage == DigestStorage.InMemory) return new InMemoryStorage();
            // Unset, the connection is CostConsole's own database; Hangfire keeps its tables in its "hangfire" schema there.
            var connection = string.IsNullOrWhiteSpace(options.StorageConnection)
                ? CostConsole.Data.DatabaseSetup.PostgreSqlConnectionString(provider.GetRequiredService<IConfiguration>())
                : options.StorageConnection;
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(connection, new PostgreSqlStorageOptions()), new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true });
        });
        services.AddHangfire((provider, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings()
            .UseLogProvider(new HangfireLogProvider(provider.GetRequiredService<ILoggerFactory>())));
        // The worker is started from the bound options at run time (not read here at registration, where settings
        // added later by the host, e.g. the tests', are not visible yet).
        services.AddHostedService<DigestWorker>();
        services.AddSingleton<DigestComposer>();
        services.AddSingleton<DigestDeliveries>();
        services.AddSingleton<DigestScheduler>();
        services.AddSingleton<DigestSubscriptions>();
        services.AddTransient<DigestJobs>();
        services.AddHostedService<DigestStartup>();
        return services;
    }

    /// <summary>Hangfire's dashboard, for Admins only (the endpoint's policy, and Hangfire's own filter as a second lock).</summary>
    public static IEndpointRouteBuilder MapDigestDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            Authorization = [new AdminDashboardFilter()],
            AppPath = "/digests",
            DashboardTitle = "CostConsole jobs",
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(Policies.Admins);
        return endpoints;
    }
}

/// <summary>Hangfire's own check: only an Admin opens the dashboard.</summary>
public sealed class AdminDashboardFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Roles.Admin);
}
