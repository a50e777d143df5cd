using Microsoft.Extensions.Options;

namespace CostConsole.Configuration;

public sealed class DisplayOptions
{
    public const string Section = "Display";

    /// <summary>IANA time zone in which pages show times by default (each user may pick another later).</summary>
    public string TimeZone { get; set; } = "UTC";
}

public enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
    Auto,
}

public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    /// <summary>Empty: mail is not sent (digests are composed and recorded, and the page says mail is off).</summary>
    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "CostConsole <costconsole@localhost>";
}

internal sealed class ValidateDisplayOptions : IValidateOptions<DisplayOptions>
{
    public ValidateOptionsResult Validate(string? name, DisplayOptions options) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Display:TimeZone '{options.TimeZone}' is not a known time zone; use an IANA name such as Europe/Berlin or UTC.");
}

internal sealed class ValidateSmtpOptions : IValidateOptions<SmtpOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        List<string> failures = [];
        if (options.Port is < 1 or > 65535)
        {
            failures.Add($"Smtp:Port must be between 1 and 65535 (was {options.Port}).");
        }

        if (!string.IsNullOrEmpty(options.Host) && Uri.CheckHostName(options.Host) == UriHostNameType.Unknown)
        {
            failures.Add($"Smtp:Host '{options.Host}' is not a host name or address.");
        }

        if (!string.IsNullOrEmpty(options.Username) && string.IsNullOrEmpty(options.Password))
        {
            failures.Add("Smtp:Username is set but Smtp:Password is not; set it through the environment (Smtp__Password).");
        }

        if (!System.Net.Mail.MailAddress.TryCreate(options.From, out _))
        {
            failures.Add($"Smtp:From '{options.From}' is not a mail address.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

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
