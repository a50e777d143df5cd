using Microsoft.Extensions.Options;

namespace CostConsole.Features.Pricing;

public static class PricingSetup
{
    public static IServiceCollection AddCostConsolePricing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RuleOptions>().Bind(configuration.GetSection(RuleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RuleOptions>, ValidateRuleOptions>();
        services.AddSingleton<PriceStore>();
        services.AddSingleton<IPriceSource>(provider => provider.GetRequiredService<PriceStore>());
        services.AddSingleton<PriceEditor>();
        services.AddSingleton<PriceImpact>();
        services.AddSingleton<PriceImporter>();
        services.AddSingleton<PriceCatalogue>();
        services.AddSingleton<RulesExport>();
        return services;
    }
}
