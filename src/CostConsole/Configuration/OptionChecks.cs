using Microsoft.Extensions.Options;

namespace CostConsole.Configuration;

/// <summary>Sign-in lockout: after this many failed passwords in a row, the account waits this long.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    public int MaxFailedSignIns { get; set; } = 5;
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Sign-in attempts one client address may make per window, whatever the accounts (password spraying).</summary>
    public int SignInAttemptsPerAddress { get; set; } = 30;

    /// <summary>Attempts one client address may make at one account per window: below MaxFailedSignIns, so one stranger alone cannot lock anyone out.</summary>
    public int SignInAttemptsPerAccount { get; set; } = 3;

    public int SignInWindowMinutes { get; set; } = 15;

    /// <summary>How often a signed-in session (cookie or live page) is checked against the user's current roles and state, in seconds.</summary>
    public int RevalidateSeconds { get; set; } = 60;
}

internal sealed class ValidateSecurityOptions : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        List<string> failures = [];
        if (options.MaxFailedSignIns is < 1 or > 100)
        {
            failures.Add($"Security:MaxFailedSignIns must be between 1 and 100 (was {options.MaxFailedSignIns}).");
        }

        if (options.LockoutMinutes is < 1 or > 10_080)
        {
            failures.Add($"Security:LockoutMinutes must be between 1 and 10080, a week (was {options.LockoutMinutes}).");
        }

        if (options.SignInAttemptsPerAddress is < 1 or > 10_000)
        {
            failures.Add($"Security:SignInAttemptsPerAddress must be between 1 and 10000 (was {options.SignInAttemptsPerAddress}).");
        }

        if (options.SignInAttemptsPerAccount < 1 || options.SignInAttemptsPerAccount >= options.MaxFailedSignIns)
        {
            failures.Add($"Security:SignInAttemptsPerAccount must be at least 1 and below Security:MaxFailedSignIns ({options.MaxFailedSignIns}), so one address alone cannot lock an account (was {options.SignInAttemptsPerAccount}).");
        }

        if (options.SignInWindowMinutes is < 1 or > 1440)
        {
            failures.Add($"Security:SignInWindowMinutes must be between 1 and 1440 (was {options.SignInWindowMinutes}).");
        }

        if (options.RevalidateSeconds is < 5 or > 3600)
        {
            failures.Add($"Security:RevalidateSeconds must be between 5 and 3600 (was {options.RevalidateSeconds}).");
        }

        return OptionText.Result(failures);
    }
}

/// <summary>Where the keys that protect sign-in cookies are kept; empty: a "keys" folder beside the SQLite database.</summary>
public sealed class DataProtectionSettings
{
    public const string Section = "DataProtection";

    public string? KeysFolder { get; set; }

    /// <summary>A PKCS#12 (.pfx) certificate with its private key: the keys are encrypted with it at rest. Empty: stored unencrypted (the folder is private to the app's user).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The certificate file's password, through the environment (DataProtection__CertificatePassword).</summary>
    public string? CertificatePassword { get; set; }
}

internal sealed class ValidateDataProtectionSettings : IValidateOptions<DataProtectionSettings>
{
    public ValidateOptionsResult Validate(string? name, DataProtectionSettings options)
    {
        if (!string.IsNullOrEmpty(options.CertificatePath))
        {
            try
            {
                using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
                if (!certificate.HasPrivateKey)
                {
                    return ValidateOptionsResult.Fail($"DataProtection:CertificatePath '{OptionText.Printable(options.CertificatePath)}' has no private key: the keys could not be read back.");
                }
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
            {
                return ValidateOptionsResult.Fail($"DataProtection:CertificatePath '{OptionText.Printable(options.CertificatePath)}' cannot be read as a PKCS#12 certificate with DataProtection:CertificatePassword ({ex.Message}).");
            }
        }

        if (string.IsNullOrWhiteSpace(options.KeysFolder))
        {
            return ValidateOptionsResult.Success;
        }

        var folder = options.KeysFolder;
        if (folder.Any(char.IsControl))
        {
            return ValidateOptionsResult.Fail($"DataProtection:KeysFolder '{OptionText.Printable(folder)}' contains control characters.");
        }

        var full = Path.GetFullPath(folder);
        if (File.Exists(full))
        {
            return ValidateOptionsResult.Fail($"DataProtection:KeysFolder '{full}' is a file, not a folder.");
        }

        // The folder is created on first use; its nearest existing parent must be a folder the app can write to.
        var existing = new DirectoryInfo(full);
        while (existing is { Exists: false } && existing.Parent is not null)
        {
            existing = existing.Parent;
        }

        return existing is { Exists: true } && !OptionText.CanWrite(existing)
            ? ValidateOptionsResult.Fail($"DataProtection:KeysFolder '{full}' cannot be written: {existing.FullName} is not writable by this user.")
            : ValidateOptionsResult.Success;
    }
}

internal static class OptionText
{
    public static ValidateOptionsResult Result(List<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

    public static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    public static bool IsRuleGroup(string? text) =>
        text is { Length: > 0 and <= 100 } && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    public static bool IsLabelName(string text) =>
        text.Length > 0 && (char.IsAsciiLetter(text[0]) || text[0] == '_') && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>A setting echoed in a message: control characters shown as escapes, long values cut.</summary>
    public static string Printable(string? text) => LogText.Safe(text, 120);

    public static bool CanWrite(DirectoryInfo folder)
    {
        try
        {
            var probe = Path.Combine(folder.FullName, $".costconsole-write-check-{Guid.NewGuid():N}");
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
