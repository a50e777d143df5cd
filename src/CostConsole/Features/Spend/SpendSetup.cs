using Microsoft.Extensions.Options;

namespace CostConsole.Features.Spend;

public static class SpendSetup
{
    public static IServiceCollection AddCostConsoleSpend(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SpendOptions>().Bind(configuration.GetSection(SpendOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SpendOptions>, ValidateSpendOptions>();
        services.AddSingleton<SpendQuery>();
        services.AddSingleton<SpendViewCache>();
        services.AddSingleton<ISpendViews>(provider => provider.GetRequiredService<SpendViewCache>());
        services.AddSingleton<PeriodComparison>();
        services.AddSingleton<BurnRate>();
        services.AddSingleton<IBurnReadings>(provider => provider.GetRequiredService<BurnRate>());
        return services;
    }
}
