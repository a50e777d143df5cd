using System.Globalization;

namespace CostConsole.Features.Budgets;

/// <summary>
/// A budget entry: from a month on (until the next entry of the same scope), a team's monthly budget with its warning
/// thresholds, or the org's monthly and daily budgets (<see cref="TeamId"/> null). Months are calendar months in UTC.
/// </summary>
public sealed class Budget
{
    public static readonly IReadOnlyList<int> DefaultThresholds = [50, 80, 100];

    public int Id { get; set; }
    /// <summary>The team, or null for the org-wide budget.</summary>
    public int? TeamId { get; set; }
    /// <summary>The first month it applies to, as yyyymm (202612).</summary>
    public int FromMonth { get; set; }
    /// <summary>The monthly amount, in <see cref="Currency"/> (the name dates from when budgets were USD only).</summary>
    public decimal? MonthlyUsd { get; set; }
    /// <summary>ISO 4217 currency of the amounts; spend is converted to it at each UTC day's exchange rate.</summary>
    public string Currency { get; set; } = "USD";
    /// <summary>Org only: a daily budget.</summary>
    public decimal? DailyUsd { get; set; }
    /// <summary>Percentages of the monthly budget, comma-separated ("50,80,100").</summary>
    public string Thresholds { get; set; } = "50,80,100";
    public DateTimeOffset CreatedUtc { get; set; }
    public string CreatedBy { get; set; } = "";

    public IReadOnlyList<int> ThresholdList => [.. Thresholds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture))];

    public static int MonthKey(DateTimeOffset instant) => instant.UtcDateTime.Year * 100 + instant.UtcDateTime.Month;

    public static DateTimeOffset MonthStart(int key) => new(key / 100, key % 100, 1, 0, 0, 0, TimeSpan.Zero);

    public static string MonthText(int key) => MonthStart(key).ToString("yyyy-MM", CultureInfo.InvariantCulture);
}

/// <summary>Which budget is in force for a month: the latest entry of the scope from that month or before.</summary>
public static class BudgetBook
{
    public static Budget? InForce(IEnumerable<Budget> budgets, int? teamId, int month) =>
        budgets.Where(b => b.TeamId == teamId && b.FromMonth <= month).MaxBy(b => b.FromMonth);
}

/// <summary>One change to a budget: who, when, before and after, in words. Never edited or deleted.</summary>
public sealed class BudgetAudit
{
    public long Id { get; set; }
    public DateTimeOffset AtUtc { get; set; }
    public required string Actor { get; set; }
    /// <summary>"org" or the team's name.</summary>
    public required string Scope { get; set; }
    public int FromMonth { get; set; }
    public string Before { get; set; } = "";
    public string After { get; set; } = "";
}

/// <summary>A team's spend reaching a threshold of its budget, recorded once per team, month and threshold.</summary>
public sealed class BudgetCrossing
{
    public long Id { get; set; }
    public int TeamId { get; set; }
    public int Month { get; set; }
    public int Threshold { get; set; }
    public DateTimeOffset CrossedUtc { get; set; }
    public decimal SpendUsd { get; set; }
    public decimal BudgetUsd { get; set; }
    /// <summary>The currency of <see cref="SpendUsd"/> and <see cref="BudgetUsd"/>: the budget's.</summary>
    public string Currency { get; set; } = "USD";
    /// <summary>When the managers' mail server accepted the notification; null while mail is off or failing.</summary>
    public DateTimeOffset? NotifiedUtc { get; set; }

    /// <summary>Why the managers will not be told (a permanent SMTP refusal, no manager); no more attempts then.</summary>
    public string? NotifyError { get; set; }

    /// <summary>
    /// When a replica claimed the mail (set before sending, in one conditional update, so of several replicas exactly one
    /// sends it); a claim older than <see cref="ThresholdNotifier.ClaimLifetime"/> without a result is taken again.
    /// </summary>
    public DateTimeOffset? NotifyClaimedUtc { get; set; }
}
