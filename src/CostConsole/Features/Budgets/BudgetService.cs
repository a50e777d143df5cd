using System.Globalization;
using System.Security.Claims;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Spend;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Budgets;

public sealed class BudgetOptions
{
    public const string Section = "Budgets";

    /// <summary>A monthly budget above this (USD) must be confirmed: it is more likely a typo than a plan.</summary>
    public decimal ConfirmAboveUsd { get; set; } = 1_000_000m;

    /// <summary>How often thresholds are checked in the background, in minutes (0: only when a page or the API computes budgets).</summary>
    public int CheckMinutes { get; set; } = 5;

    /// <summary>The address users open CostConsole at, for links in mail (e.g. https://costconsole.example.com); empty: no link.</summary>
    public string? PublicUrl { get; set; }
}

/// <summary>The outcome of a budget change: saved, or the reasons it was not (nothing is written then).</summary>
public sealed record BudgetChange(bool Saved, IReadOnlyList<string> Errors, IReadOnlyList<string> Confirmations, bool Forbidden = false)
{
    public bool NeedsConfirmation => !Saved && !Forbidden && Errors.Count == 0 && Confirmations.Count > 0;
}

/// <summary>
/// Sets team and org budgets from a month on. A team's budget is set by its managers or an Admin; the org's by Finance
/// or an Admin. Past months keep the budget that was in force; every change is audited with before and after.
/// </summary>
public sealed class BudgetService(IDbContextFactory<CostConsoleDbContext> dbFactory, TimeProvider time, Microsoft.Extensions.Options.IOptions<BudgetOptions> options, CrossingSignal changed, ILogger<BudgetService> logger, Rates.ExchangeRateStore rates)
{
    public const decimal MaxBudgetUsd = 1_000_000_000_000m;

    public async Task<IReadOnlyList<Budget>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Budgets.AsNoTracking().OrderBy(b => b.TeamId).ThenBy(b => b.FromMonth).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<BudgetAudit>> AuditAsync(int take = 200, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.BudgetAudits.AsNoTracking().OrderByDescending(a => a.Id).Take(Math.Clamp(take, 1, 1000)).ToListAsync(cancellationToken);
    }

    /// <summary>Whether the user may set this team's budget: an Admin, or a Manager who manages the team.</summary>
    public async Task<bool> MayManageAsync(ClaimsPrincipal user, int teamId, CancellationToken cancellationToken = default) =>
        (await ManageableTeamsAsync(user, cancellationToken)).Contains(teamId);

    /// <summary>The teams whose budgets the user may set, in one query: every team for an Admin, their own for a Manager.</summary>
    public async Task<IReadOnlySet<int>> ManageableTeamsAsync(ClaimsPrincipal user, CancellationToken cancellationToken = default)
    {
        if (!user.IsInRole(Roles.Admin) && !user.IsInRole(Roles.Manager)) return new HashSet<int>();
        var admin = user.IsInRole(Roles.Admin);
        var name = user.Identity?.Name;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return (await db.Teams.Where(t => admin || t.Managers.Any(m => m.UserName == name || m.Email == name)).Select(t => t.Id).ToListAsync(cancellationToken)).ToHashSet();
    }

    public async Task<BudgetChange> SetTeamBudgetAsync(ClaimsPrincipal user, int teamId, string? fromMonth, string? monthlyUsd, string? thresholds, bool confirmed, CancellationToken cancellationToken = default, string? currency = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var team = await db.Teams.AsNoTracking().SingleOrDefaultAsync(t => t.Id == teamId, cancellationToken);
        if (team is null)
        {
            return new BudgetChange(false, [$"Team {teamId} does not exist."], []);
        }

        if (!await MayManageAsync(user, teamId, cancellationToken))
        {
            return new BudgetChange(false, [$"Only the managers of {team.Name} or an admin can set its budget."], [], Forbidden: true);
        }

        List<string> errors = [];
        List<string> confirmations = [];
        var month = ParseMonth(fromMonth, errors);
        var amount = ParseAmount(monthlyUsd, "The monthly budget", required: true, errors, confirmations);
        var levels = ParseThresholds(thresholds, errors);
        var code = await ParseCurrencyAsync(currency, errors, cancellationToken);
        return await SaveAsync(db, teamId, team.Name, month, amount, null, levels, errors, confirmations, confirmed, user, cancellationToken, code);
    }

    public async Task<BudgetChange> SetOrgBudgetAsync(ClaimsPrincipal user, string? fromMonth, string? monthlyUsd, string? dailyUsd, bool confirmed, CancellationToken cancellationToken = default, string? currency = null)
    {
        if (!user.IsInRole(Roles.Finance) && !user.IsInRole(Roles.Admin))
        {
            return new BudgetChange(false, ["Only Finance or an admin can set the org-wide budget."], [], Forbidden: true);
        }

        List<string> errors = [];
        List<string> confirmations = [];
        var month = ParseMonth(fromMonth, errors);
        var monthly = ParseAmount(monthlyUsd, "The monthly budget", required: false, errors, confirmations);
        var daily = ParseAmount(dailyUsd, "The daily budget", required: false, errors, confirmations);
        if (errors.Count == 0 && monthly is null && daily is null)
        {
            errors.Add("Give a monthly budget, a daily budget, or both.");
        }

        if (monthly is { } m && daily is { } d && d > m)
        {
            errors.Add($"The daily budget ({SpendFormat.Money(d)}) is more than the monthly one ({SpendFormat.Money(m)}).");
        }

        var code = await ParseCurrencyAsync(currency, errors, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await SaveAsync(db, null, "org", month, monthly, daily, Budget.DefaultThresholds, errors, confirmations, confirmed, user, cancellationToken, code);
    }

    private async Task<BudgetChange> SaveAsync(CostConsoleDbContext db, int? teamId, string scope, int? month, decimal? monthly, decimal? daily, IReadOnlyList<int>? thresholds,
        List<string> errors, List<string> confirmations, bool confirmed, ClaimsPrincipal user, CancellationToken cancellationToken, string currency = "USD")
    {
        if (errors.Count > 0 || month is null || thresholds is null)
        {
            return new BudgetChange(false, errors, confirmations);
        }

        if (confirmations.Count > 0 && !confirmed)
        {
            return new BudgetChange(false, [], confirmations);
        }

        var now = time.GetUtcNow();
        var actor = user.Identity?.Name ?? "unknown";
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var existing = await db.Budgets.SingleOrDefaultAsync(b => b.TeamId == teamId && b.FromMonth == month, cancellationToken);
        var before = existing is null ? "" : Describe(existing);
        var budget = existing ?? new Budget { TeamId = teamId, FromMonth = month.Value };
        budget.MonthlyUsd = monthly;
        budget.DailyUsd = daily;
        budget.Currency = currency;
        budget.Thresholds = string.Join(',', thresholds.Order());
        budget.CreatedUtc = now;
        budget.CreatedBy = actor;
        if (existing is null)
        {
            db.Budgets.Add(budget);
        }

        db.BudgetAudits.Add(new BudgetAudit { AtUtc = now, Actor = actor, Scope = scope, FromMonth = month.Value, Before = before, After = Describe(budget) });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Budget of {Scope} from {Month} set by {Actor}: {After}", scope, Budget.MonthText(month.Value), actor, Describe(budget));
        // The watcher records (and mails) the thresholds this budget puts behind the team now, not at its next round.
        changed.Raise();
        return new BudgetChange(true, [], confirmations);
    }

    public static string Describe(Budget b)
    {
        List<string> parts = [];
        if (b.MonthlyUsd is { } m) parts.Add($"{SpendFormat.Money(m, b.Currency)} a month");
        if (b.DailyUsd is { } d) parts.Add($"{SpendFormat.Money(d, b.Currency)} a day");
        if (b.TeamId is not null) parts.Add($"warnings at {string.Join(", ", b.ThresholdList.Select(t => t + "%"))}");
        return $"from {Budget.MonthText(b.FromMonth)}: {string.Join("; ", parts)}";
    }

    /// <summary>
    /// The budget's currency: USD when none is given, else an ISO 4217 code that has an exchange rate (spend is converted
    /// to it at each day's rate, so a currency without any rate could never be compared).
    /// </summary>
    private async Task<string> ParseCurrencyAsync(string? text, List<string> errors, CancellationToken cancellationToken)
    {
        var code = (text ?? "").Trim().ToUpperInvariant();
        if (code.Length == 0 || code == Currencies.Billing) return Currencies.Billing;
        if (!Currencies.IsIso4217(code))
        {
            errors.Add($"The currency '{Echo.Printable(text!)}' is not an ISO 4217 currency code such as EUR.");
            return Currencies.Billing;
        }

        if (!(await rates.CurrenciesAsync(cancellationToken)).Contains(code))
        {
            errors.Add($"There is no {code} exchange rate yet: enter or import rates (Exchange rates) before setting a budget in {code}.");
        }

        return code;
    }

    /// <summary>"2026-12": this month or later (past months keep the budget that was in force), at most five years ahead.</summary>
    private int? ParseMonth(string? text, List<string> errors)
    {
        var raw = (text ?? "").Trim();
        if (!DateTime.TryParseExact(raw, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            errors.Add($"The month '{Echo.Printable(raw)}' is not a month like 2026-12.");
            return null;
        }

        var key = parsed.Year * 100 + parsed.Month;
        var current = Budget.MonthKey(time.GetUtcNow());
        if (key < current)
        {
            errors.Add($"{raw} is in the past: a budget applies from this month ({Budget.MonthText(current)}) on; past months keep the budget that was in force.");
            return null;
        }

        if (key > current + 500)
        {
            errors.Add($"{raw} is more than five years ahead.");
            return null;
        }

        return key;
    }

    private decimal? ParseAmount(string? text, string what, bool required, List<string> errors, List<string> confirmations)
    {
        var raw = (text ?? "").Trim().TrimStart('$').Replace(",", "");
        if (raw.Length == 0)
        {
            if (required) errors.Add($"{what} is required (USD).");
            return null;
        }

        if (!decimal.TryParse(raw, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            errors.Add($"{what} '{Echo.Printable(raw)}' is not a number.");
            return null;
        }

        if (value <= 0)
        {
            errors.Add($"{what} must be more than $0 (was {raw}).");
            return null;
        }

        if (value > MaxBudgetUsd)
        {
            errors.Add($"{what} {SpendFormat.Money(value)} is beyond any plausible budget.");
            return null;
        }

        if (value > options.Value.ConfirmAboveUsd)
        {
            confirmations.Add($"{what} {SpendFormat.Money(value)} is over {SpendFormat.Money(options.Value.ConfirmAboveUsd)}; confirm it is meant.");
        }

        return decimal.Round(value, 2);
    }

    private static IReadOnlyList<int>? ParseThresholds(string? text, List<string> errors)
    {
        var raw = (text ?? "").Trim();
        if (raw.Length == 0)
        {
            return Budget.DefaultThresholds;
        }

        var parts = raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        List<int> levels = [];
        foreach (var part in parts)
        {
            if (!int.TryParse(part.TrimEnd('%'), NumberStyles.None, CultureInfo.InvariantCulture, out var level) || level is < 1 or > 1000)
            {
                errors.Add($"The threshold '{Echo.Printable(part)}' is not a whole percentage from 1 to 1000.");
                return null;
            }

            levels.Add(level);
        }

        if (levels.Count is 0 or > 10 || levels.Distinct().Count() != levels.Count)
        {
            errors.Add("Give one to ten different thresholds, e.g. 50, 80, 100.");
            return null;
        }

        return levels;
    }
}
