using CostConsole.Features.Pricing;

namespace CostConsole.Features.Budgets;

public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>The rule group holding the cost alerts (the exported rules' group).</summary>
    public string GroupName { get; set; } = CostRules.DefaultGroup;

    /// <summary>Also shown: alerting rules of any group carrying this label (name=value); empty for none.</summary>
    public string Label { get; set; } = "source=costconsole";
}
