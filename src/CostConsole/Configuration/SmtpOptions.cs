using Microsoft.Extensions.Options;

namespace CostConsole.Configuration;

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
