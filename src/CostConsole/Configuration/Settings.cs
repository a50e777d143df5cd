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
        services.AddSingleton(TimeProvider.System);
        return services;
    }
}
