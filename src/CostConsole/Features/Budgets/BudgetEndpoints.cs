using System.Globalization;
using System.Text;
using CostConsole.Features.Identity;
using CostConsole.Features.Spend;
using static CostConsole.Features.ApiBody;

namespace CostConsole.Features.Budgets;

/// <summary>The budget API: outlooks (Finance and Admin see every team, Managers their own), the CSV, and setting budgets.</summary>
public static class BudgetEndpoints
{
    public static IServiceCollection AddCostConsoleBudgets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BudgetOptions>().Bind(configuration.GetSection(BudgetOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<BudgetOptions>, ValidateBudgetOptions>();
        services.AddSingleton<BudgetService>();
        services.AddSingleton<BudgetOutlooks>();
        services.AddSingleton<ThresholdNotifier>();
        services.AddSingleton<CrossingSignal>();
        services.AddHostedService<BudgetWatcher>();
        services.AddOptions<AlertOptions>().Bind(configuration.GetSection(AlertOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<AlertOptions>, ValidateAlertOptions>();
        services.AddSingleton<AlertStatus>();
        return services;
    }

    public static IEndpointRouteBuilder MapBudgetApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/budgets", async (HttpContext context, BudgetOutlooks outlooks, BudgetService budgets, CancellationToken cancellationToken) =>
        {
            var visible = await VisibleAsync(context, outlooks, budgets, cancellationToken);
            return Results.Json(visible.Select(ToJson));
        }).RequireAuthorization(Policies.BudgetReaders);

        endpoints.MapGet("/api/v1/budgets/export", async (BudgetOutlooks outlooks, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var all = await outlooks.ComputeAsync(cancellationToken);
            return Results.File(Encoding.UTF8.GetBytes(ToCsv(all)), "text/csv; charset=utf-8", $"costconsole-budgets-{time.GetUtcNow():yyyy-MM}.csv");
        }).RequireAuthorization(Policies.FinanceOrAdmin);

        endpoints.MapGet("/api/v1/budgets/audit", async (BudgetService budgets, CancellationToken cancellationToken) =>
            Results.Json((await budgets.AuditAsync(500, cancellationToken)).Select(a => new
            {
                at = a.AtUtc.UtcDateTime, actor = a.Actor, scope = a.Scope, fromMonth = Budget.MonthText(a.FromMonth), before = a.Before, after = a.After,
            }))).RequireAuthorization(Policies.FinanceOrAdmin);

        endpoints.MapPut("/api/v1/budgets/teams/{id:int}", async (int id, HttpContext context, BudgetService budgets, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadBodyAsync(context, cancellationToken);
            if (body is null) return Results.Problem(title: "Invalid request", detail: problem, statusCode: StatusCodes.Status400BadRequest);
            using (body)
            {
                var root = body.RootElement;
                return Answer(await budgets.SetTeamBudgetAsync(context.User, id, Text(root, "fromMonth"), Text(root, "monthlyUsd"), Text(root, "thresholds"), Bool(root, "confirm"), cancellationToken));
            }
        }).RequireAuthorization(Policies.TeamBudgetSetters);

        endpoints.MapPut("/api/v1/budgets/org", async (HttpContext context, BudgetService budgets, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadBodyAsync(context, cancellationToken);
            if (body is null) return Results.Problem(title: "Invalid request", detail: problem, statusCode: StatusCodes.Status400BadRequest);
            using (body)
            {
                var root = body.RootElement;
                return Answer(await budgets.SetOrgBudgetAsync(context.User, Text(root, "fromMonth"), Text(root, "monthlyUsd"), Text(root, "dailyUsd"), Bool(root, "confirm"), cancellationToken));
            }
        }).RequireAuthorization(Policies.FinanceOrAdmin);

        return endpoints;
    }

    /// <summary>Finance and Admin see the org and every team; a Manager sees the teams they manage.</summary>
    public static async Task<IReadOnlyList<TeamOutlook>> VisibleAsync(HttpContext context, BudgetOutlooks outlooks, BudgetService budgets, CancellationToken cancellationToken)
    {
        var all = await outlooks.ComputeAsync(cancellationToken);
        if (context.User.IsInRole(Roles.Finance) || context.User.IsInRole(Roles.Admin))
        {
            return all;
        }

        var mine = await budgets.ManageableTeamsAsync(context.User, cancellationToken);
        return [.. all.Where(o => o.TeamId is { } id && mine.Contains(id))];
    }

    private static IResult Answer(BudgetChange change)
    {
        if (change.Saved) return Results.Json(new { saved = true });
        var status = change.Forbidden ? StatusCodes.Status403Forbidden : change.NeedsConfirmation ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status400BadRequest;
        return Results.Json(new
        {
            saved = false,
            needsConfirmation = change.NeedsConfirmation,
            detail = change.NeedsConfirmation ? "Send again with \"confirm\": true if this is meant." : string.Join(" ", change.Errors),
            errors = change.Errors,
            confirmations = change.Confirmations,
        }, statusCode: status);
    }

    private static object ToJson(TeamOutlook o) => new
    {
        teamId = o.TeamId,
        name = o.Name,
        month = o.Outlook.MonthStart.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        budgetUsd = o.Outlook.BudgetUsd,
        budgetFromMonth = o.Budget is { } b ? Budget.MonthText(b.FromMonth) : null,
        thresholds = o.Thresholds,
        monthToDateUsd = decimal.Round(o.Outlook.MonthToDateUsd, 6),
        usedPercent = o.Outlook.UsedPercent is { } p ? decimal.Round(p, 2) : (decimal?)null,
        ratePerHour24hUsd = decimal.Round(o.Outlook.RatePerHour24h, 6),
        ratePerHour7dUsd = decimal.Round(o.Outlook.RatePerHour7d, 6),
        projectedMonthEnd24hUsd = decimal.Round(o.Outlook.ProjectedMonthEnd24h, 6),
        projectedMonthEnd7dUsd = decimal.Round(o.Outlook.ProjectedMonthEnd7d, 6),
        projectedNext24hUsd = decimal.Round(o.Outlook.ProjectedNext24h, 6),
        runsOutAt = o.Outlook.RunsOutAt?.UtcDateTime,
        status = o.Outlook.Status.ToString(),
        reason = o.Outlook.Reason,
        incomplete = o.Incomplete,
    };

    public static string ToCsv(IEnumerable<TeamOutlook> outlooks)
    {
        object? N(decimal? v) => v is { } x ? new Csv.CsvTable.Number(x.ToString("0.00", CultureInfo.InvariantCulture)) : null;
        return Csv.CsvTable.Write(
            ["team", "month", "budget_usd", "month_to_date_usd", "used_percent", "rate_24h_usd_per_hour", "rate_7d_usd_per_hour", "projected_month_end_24h_usd", "projected_month_end_7d_usd", "runs_out_at_utc", "status", "reason"],
            outlooks.Select(o => (IEnumerable<object?>)
            [
                o.Name, o.Outlook.MonthStart.ToString("yyyy-MM", CultureInfo.InvariantCulture), N(o.Outlook.BudgetUsd), N(o.Outlook.MonthToDateUsd), N(o.Outlook.UsedPercent),
                N(o.Outlook.RatePerHour24h), N(o.Outlook.RatePerHour7d), N(o.Outlook.ProjectedMonthEnd24h), N(o.Outlook.ProjectedMonthEnd7d),
                o.Outlook.RunsOutAt?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), o.Outlook.Status.ToString(), o.Outlook.Reason,
            ]));
    }
}
