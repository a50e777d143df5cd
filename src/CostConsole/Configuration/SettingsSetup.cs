using Microsoft.Extensions.Options;

namespace CostConsole.Configuration;

public static class SettingsSetup
{
    public static IServiceCollection AddCostConsoleSettings(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DisplayOptions>().Bind(configuration.GetSection(DisplayOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DisplayOptions>, ValidateDisplayOptions>();
        services.AddOptions<SmtpOptions>().Bind(configuration.GetSection(SmtpOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SmtpOptions>, ValidateSmtpOptions>();
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecurityOptions>, ValidateSecurityOptions>();
        services.AddOptions<DataProtectionSettings>().Bind(configuration.GetSection(DataProtectionSettings.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DataProtectionSettings>, ValidateDataProtectionSettings>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }
}

/// <summary>
/// Checks every option section before the app or a command does any work, and turns what is wrong into lines that
/// name the key: a misspelt setting must read as one line, not as a stack trace from wherever it was first used.
/// </summary>
public static class StartupSettings
{
    public static IReadOnlyList<string> Problems(IServiceProvider services)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return [];
        }
        catch (Exception ex)
        {
            var problems = Flatten(ex).ToList();
            if (problems.Count == 0) throw;
            return problems;
        }
    }

    private static IEnumerable<string> Flatten(Exception ex) => ex switch
    {
        OptionsValidationException invalid => invalid.Failures,
        AggregateException many => many.InnerExceptions.SelectMany(Flatten),
        // Binding a value of the wrong type ("Failed to convert configuration value 'abc' at 'Budgets:CheckMinutes' to type 'System.Int32'.").
        InvalidOperationException { InnerException: FormatException or InvalidCastException or OverflowException or ArgumentException } binding => [binding.Message],
        _ => [],
    };
}
