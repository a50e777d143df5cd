using CostConsole.Configuration;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Budgets;

/// <summary>
/// Checks <c>Budgets:*</c> at start. Each message names the configuration key and says what is allowed, so a bad
/// value stops the start with one line (see <see cref="StartupSettings"/>).
/// </summary>
internal sealed class ValidateBudgetOptions : IValidateOptions<BudgetOptions>
{
    public ValidateOptionsResult Validate(string? name, BudgetOptions options)
    {
        List<string> failures = [];
        if (options.ConfirmAboveUsd <= 0 || options.ConfirmAboveUsd > BudgetService.MaxBudgetUsd)
        {
            failures.Add($"Budgets:ConfirmAboveUsd must be more than 0 and at most {BudgetService.MaxBudgetUsd:N0} (was {options.ConfirmAboveUsd}).");
        }

        // A timer cannot wait longer than ~49 days; a day is already far longer than a useful check interval.
        if (options.CheckMinutes is < 0 or > 1440)
        {
            failures.Add($"Budgets:CheckMinutes must be between 0 (check only when budgets are shown) and 1440 (was {options.CheckMinutes}).");
        }

        if (!string.IsNullOrEmpty(options.PublicUrl) && !OptionText.IsHttpUrl(options.PublicUrl))
        {
            failures.Add($"Budgets:PublicUrl '{OptionText.Printable(options.PublicUrl)}' is not an absolute http or https URL (for example https://costconsole.example.com).");
        }

        return OptionText.Result(failures);
    }
}

internal sealed class ValidateAlertOptions : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        List<string> failures = [];
        if (!OptionText.IsRuleGroup(options.GroupName))
        {
            failures.Add($"Alerts:GroupName '{OptionText.Printable(options.GroupName)}' must be 1–100 letters, digits, '-', '_', '.' or ':'.");
        }

        if (!string.IsNullOrEmpty(options.Label)
            && (options.Label.Split('=', 2) is not [var label, var value] || !OptionText.IsLabelName(label.Trim()) || value.Trim().Length == 0 || value.Any(char.IsControl)))
        {
            failures.Add($"Alerts:Label '{OptionText.Printable(options.Label)}' must be name=value with a Prometheus label name (for example source=costconsole), or empty.");
        }

        return OptionText.Result(failures);
    }
}
