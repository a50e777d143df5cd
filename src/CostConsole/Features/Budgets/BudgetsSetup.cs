namespace CostConsole.Features.Budgets;

public static class BudgetsSetup
{
    public static IServiceCollection AddCostConsoleBudgets(this IServiceCollection services, IConfiguration configuration)
    {
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
