using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Budgets;

/// <summary>One cost alert as Prometheus evaluates it: an inactive rule, or one pending or firing instance of it.</summary>
/// <remarks><see cref="Value"/> is Prometheus' own text; <see cref="DisplayValue"/> is it with its unit. <see cref="Summary"/> never holds a template.</remarks>
public sealed record CostAlert(string Group, string Name, string State, DateTimeOffset? Since, string? Value, string? Summary, string? Health, string? LastError, IReadOnlyDictionary<string, string> Labels, string? Unit = null)
{
    public string? DisplayValue => AlertUnits.Format(Value, Unit);
}

/// <summary>The cost alerts, or why there are none (Prometheus unreachable, no rules, the group missing).</summary>
public sealed record CostAlertsReading(IReadOnlyList<CostAlert> Alerts, IReadOnlyList<string> Problems, IReadOnlyList<string> Groups);

/// <summary>Reads the cost alerts Prometheus evaluates from <c>/api/v1/rules</c>: by the configured group, or by a label on the rule.</summary>
public sealed class PrometheusCostAlerts(PrometheusClient prometheus, IOptions<AlertOptions> options, ILogger<PrometheusCostAlerts> logger)
{
    public async Task<CostAlertsReading> ReadAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        IReadOnlyList<PromRuleGroup> groups;
        try
        {
            groups = (await prometheus.RulesAsync(cancellationToken)).Data;
        }
        catch (Exception ex) when (ex is PrometheusException or IncompleteAnswerException)
        {
            logger.LogWarning("Alert rules unavailable: {Error}", ex.Message);
            return new CostAlertsReading([], [$"Prometheus' rules could not be read ({ex.Message}); alert states are unknown, not quiet."], []);
        }

        var names = groups.Select(g => g.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        var (labelName, labelValue) = settings.Label.Split('=', 2) is [var n, var v] && n.Length > 0 ? (n.Trim(), v.Trim()) : ("", "");
        bool Selected(PromRuleGroup group, PromRule rule) =>
            group.Name == settings.GroupName || (labelName.Length > 0 && rule.Labels.TryGetValue(labelName, out var value) && value == labelValue);

        List<string> problems = [];
        if (groups.Count == 0)
        {
            problems.Add("Prometheus has no rules loaded. Export the cost rules from Prices → Prometheus rules and add them to its rule_files.");
        }
        else if (!names.Contains(settings.GroupName))
        {
            problems.Add($"The rule group '{settings.GroupName}' (Alerts:GroupName) is not loaded in Prometheus; its groups are: {string.Join(", ", names)}.");
        }

        List<CostAlert> alerts = [];
        foreach (var group in groups)
        {
            foreach (var rule in group.Rules.Where(r => r.Type == "alerting" && Selected(group, r)))
            {
                var unit = rule.Annotations.GetValueOrDefault(AlertUnits.Annotation);
                if (rule.Alerts.Count == 0)
                {
                    alerts.Add(new CostAlert(group.Name, rule.Name, rule.State ?? "inactive", null, null, AlertUnits.Text(false, rule.Annotations, rule.Annotations),
                        rule.Health, rule.LastError, rule.Labels, unit));
                    continue;
                }

                alerts.AddRange(rule.Alerts.Select(a => new CostAlert(group.Name, rule.Name, a.State, a.ActiveAt, a.Value,
                    AlertUnits.Text(true, a.Annotations, rule.Annotations), rule.Health, rule.LastError, a.Labels, unit)));
            }
        }

        if (groups.Count > 0 && alerts.Count == 0)
        {
            problems.Add($"No alerting rule is in the group '{settings.GroupName}' or labelled {settings.Label}.");
        }

        var order = new Dictionary<string, int> { ["firing"] = 0, ["pending"] = 1, ["inactive"] = 2 };
        return new CostAlertsReading([.. alerts.OrderBy(a => order.GetValueOrDefault(a.State, 3)).ThenBy(a => a.Name, StringComparer.Ordinal)], problems, names);
    }
}
