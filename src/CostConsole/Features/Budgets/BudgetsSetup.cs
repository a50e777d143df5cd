namespace CostConsole.Features.Budgets;

public static class BudgetsSetup
{
    public static IServiceCollection AddCostConsoleBudgets(this IServiceCollection services, IConfiguration configuration)
    {
        // Budgets in another currency compare spend converted at each day's rate.
        Rates.ExchangeRateApi.AddCostConsoleRates(services);
        services.AddOptions<BudgetOptions>().Bind(configuration.GetSection(BudgetOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<BudgetOptions>, ValidateBudgetOptions>();
        services.AddSingleton<BudgetService>();
        services.AddSingleton<BudgetOutlooks>();
        services.AddSingleton<ThresholdNotifier>();
        services.AddSingleton<CrossingSignal>();
        services.AddHostedService<BudgetWatcher>();
        services.AddOptions<AlertOptions>().Bind(configuration.GetSection(AlertOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<AlertOptions>, ValidateAlertOptions>();
        services.AddSingleton<PrometheusCostAlerts>();
        return services;
    }
}
