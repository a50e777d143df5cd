using Microsoft.Extensions.Options;

namespace CostConsole.Prometheus;

public static class PrometheusSetup
{
    public static IServiceCollection AddCostConsolePrometheus(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PrometheusOptions>().Bind(configuration.GetSection(PrometheusOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PrometheusOptions>, ValidatePrometheusOptions>();
        services.AddSingleton<PrometheusClient>();
        services.AddHttpClient(PrometheusClient.HttpClientName, http =>
        {
            // The client enforces Prometheus:TimeoutSeconds per call itself, with a clear message.
            http.Timeout = Timeout.InfiniteTimeSpan;
            http.DefaultRequestHeaders.UserAgent.ParseAdd("CostConsole/1.0");
        }).ConfigurePrimaryHttpMessageHandler(provider => PrometheusConnection.Handler(provider.GetRequiredService<IOptions<PrometheusOptions>>().Value));
        return services;
    }
}
