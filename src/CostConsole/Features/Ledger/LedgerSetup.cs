using Microsoft.Extensions.Options;

namespace CostConsole.Features.Ledger;

public static class LedgerSetup
{
    public static IServiceCollection AddCostConsoleLedger(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LedgerOptions>().Bind(configuration.GetSection(LedgerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LedgerOptions>, ValidateLedgerOptions>();
        // The one change signal: the ledger and pricing bump it, the spend views key on it.
        services.AddSingleton<CostDataVersion>();
        services.AddSingleton<LedgerStatus>();
        services.AddSingleton<LedgerLease>();
        services.AddSingleton<DimensionSets>();
        services.AddSingleton<LedgerIngestor>();
        services.AddSingleton<LedgerReader>();
        services.AddHostedService<LedgerBackgroundService>();
        return services;
    }
}
