using CostConsole.Configuration;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Identity;

internal sealed class ValidateBootstrapOptions : IValidateOptions<BootstrapOptions>
{
    public ValidateOptionsResult Validate(string? name, BootstrapOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.AdminEmail))
        {
            return ValidateOptionsResult.Success;
        }

        List<string> failures = [];
        if (!System.Net.Mail.MailAddress.TryCreate(options.AdminEmail.Trim(), out _))
        {
            failures.Add($"Bootstrap:AdminEmail '{OptionText.Printable(options.AdminEmail)}' is not a mail address.");
        }

        if (string.IsNullOrEmpty(options.AdminPassword))
        {
            failures.Add("Bootstrap:AdminEmail is set but Bootstrap:AdminPassword is not; set it through the environment (Bootstrap__AdminPassword).");
        }
        else if (options.AdminPassword.Length < IdentitySetup.MinimumPasswordLength)
        {
            failures.Add($"Bootstrap:AdminPassword must be at least {IdentitySetup.MinimumPasswordLength} characters.");
        }

        return OptionText.Result(failures);
    }
}
