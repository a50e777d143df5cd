using Microsoft.AspNetCore.Authorization;

namespace CostConsole.Features.Identity;

/// <summary>
/// The role sets pages and endpoints are authorised by, one name each, so a set is written once
/// (<c>[Authorize(Policy = Policies.Editors)]</c>, <c>.RequireAuthorization(Policies.Editors)</c>).
/// </summary>
public static class Policies
{
    /// <summary>Any signed-in user with a role: the spend pages and API, prices and rules to read.</summary>
    public const string Everyone = "everyone";

    /// <summary>Engineers and Admins: price changes and imports, the sources page.</summary>
    public const string Editors = "editors";

    /// <summary>Finance, Managers and Admins: budgets to read, digests to subscribe to.</summary>
    public const string BudgetReaders = "budget-readers";

    /// <summary>Managers (for the teams they manage) and Admins: a team's budget.</summary>
    public const string TeamBudgetSetters = "team-budget-setters";

    /// <summary>Finance and Admins: the org's budget, the budget export and audit.</summary>
    public const string FinanceOrAdmin = "finance-or-admin";

    /// <summary>Finance, Engineers and Admins: reconciling CostConsole's cost with a gateway's own.</summary>
    public const string Reconcilers = "reconcilers";

    /// <summary>Admins: users, teams, API tokens, the job dashboard.</summary>
    public const string Admins = "admins";

    public static IReadOnlyDictionary<string, string[]> RoleSets { get; } = new Dictionary<string, string[]>
    {
        [Everyone] = [Roles.Finance, Roles.Engineer, Roles.Manager, Roles.Admin],
        [Editors] = [Roles.Engineer, Roles.Admin],
        [BudgetReaders] = [Roles.Finance, Roles.Manager, Roles.Admin],
        [TeamBudgetSetters] = [Roles.Manager, Roles.Admin],
        [FinanceOrAdmin] = [Roles.Finance, Roles.Admin],
        [Reconcilers] = [Roles.Finance, Roles.Engineer, Roles.Admin],
        [Admins] = [Roles.Admin],
    };

    public static AuthorizationBuilder AddCostConsolePolicies(this AuthorizationBuilder builder)
    {
        foreach (var (name, roles) in RoleSets)
        {
            builder.AddPolicy(name, policy => policy.RequireRole(roles));
        }

        return builder;
    }
}
