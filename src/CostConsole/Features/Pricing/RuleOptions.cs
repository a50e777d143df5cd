using CostConsole.Configuration;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Pricing;

/// <summary>Defaults of the exported Prometheus rules (the page and the API take other values per request).</summary>
public sealed class RuleOptions
{
    public const string Section = "Rules";

    public decimal DailyBudgetUsd { get; set; } = 500m;
    public decimal SpikeFactor { get; set; } = 3m;
    public decimal SpikeFloorUsdPerHour { get; set; } = 1m;
    public string GroupName { get; set; } = CostRules.DefaultGroup;

    public RuleSettings ToSettings() => new(DailyBudgetUsd, SpikeFactor, SpikeFloorUsdPerHour, GroupName);
}

internal sealed class ValidateRuleOptions : IValidateOptions<RuleOptions>
{
    public ValidateOptionsResult Validate(string? name, RuleOptions options)
    {
        List<string> failures = [];
        if (options.DailyBudgetUsd <= 0 || options.DailyBudgetUsd > RuleSettings.MaxBudget)
        {
            failures.Add($"Rules:DailyBudgetUsd must be more than 0 and at most {RuleSettings.MaxBudget:N0} (was {options.DailyBudgetUsd}).");
        }

        if (options.SpikeFactor <= 1 || options.SpikeFactor > 1000)
        {
            failures.Add($"Rules:SpikeFactor must be more than 1 and at most 1000 (was {options.SpikeFactor}).");
        }

        if (options.SpikeFloorUsdPerHour < 0 || options.SpikeFloorUsdPerHour > RuleSettings.MaxBudget)
        {
            failures.Add($"Rules:SpikeFloorUsdPerHour must be 0 or more, at most {RuleSettings.MaxBudget:N0} (was {options.SpikeFloorUsdPerHour}).");
        }

        if (!OptionText.IsRuleGroup(options.GroupName))
        {
            failures.Add($"Rules:GroupName '{OptionText.Printable(options.GroupName)}' must be 1–100 letters, digits, '-', '_', '.' or ':'.");
        }

        return OptionText.Result(failures);
    }
}
