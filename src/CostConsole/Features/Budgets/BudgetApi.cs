using System.ComponentModel;
using System.Globalization;
using System.Text;
using CostConsole.Features.Hosting;
using CostConsole.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using static CostConsole.Features.ApiBody;

namespace CostConsole.Features.Budgets;

/// <summary>A team's monthly budget from a month on.</summary>
public sealed record TeamBudgetBody(
    [property: Description("The first month it applies to, yyyy-MM.")] string? FromMonth,
    [property: Description("The amount per month in the budget's currency (a number or a string); empty removes the budget from that month.")] string? MonthlyUsd,
    [property: Description("Alert thresholds in percent, comma-separated, e.g. \"50,80,100\".")] string? Thresholds,
    [property: Description("True to save despite the confirmations asked for.")] bool Confirm,
    [property: Description("ISO 4217 currency of the amount (default USD); spend is converted to it at each UTC day's exchange rate, so it needs rates.")] string? Currency = null);

/// <summary>The organisation's monthly (and optional daily) budget from a month on.</summary>
public sealed record OrgBudgetBody(string? FromMonth, string? MonthlyUsd, string? DailyUsd, bool Confirm, string? Currency = null);

/// <summary>The outcome of a budget write; not saved: 422 asks for confirm: true, 400 lists the errors, 403 is not the caller's team.</summary>
public sealed record BudgetChangeJson(bool Saved, bool NeedsConfirmation, string? Detail, IReadOnlyList<string> Errors, IReadOnlyList<string> Confirmations);

public sealed record BudgetAuditJson(DateTime At, string Actor, string Scope, string FromMonth, string Before, string After);

/// <summary>A team's (or the org's, teamId null) month: budget, spend so far, burn rates, projections and status.</summary>
public sealed record BudgetOutlookJson(
    int? TeamId, string Name, string Month, decimal? BudgetUsd, string? BudgetFromMonth, IReadOnlyList<int> Thresholds,
    decimal MonthToDateUsd, decimal? UsedPercent, decimal RatePerHour24hUsd, decimal RatePerHour7dUsd,
    decimal ProjectedMonthEnd24hUsd, decimal ProjectedMonthEnd7dUsd, decimal ProjectedNext24hUsd, DateTime? RunsOutAt,
    string Status, string? Reason, bool Incomplete)
{
    /// <summary>The currency of every amount here (the *Usd names date from when budgets were USD only): the budget's.</summary>
    public string Currency { get; init; } = "USD";

    /// <summary>UTC days of the month with spend but no rate for <see cref="Currency"/>: not in the figures.</summary>
    public IReadOnlyList<string> MissingRateDays { get; init; } = [];

    public static BudgetOutlookJson Of(TeamOutlook o) => new(
        o.TeamId,
        o.Name,
        o.Outlook.MonthStart.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        o.Outlook.BudgetUsd,
        o.Budget is { } b ? Budget.MonthText(b.FromMonth) : null,
        o.Thresholds,
        decimal.Round(o.Outlook.MonthToDateUsd, 6),
        o.Outlook.UsedPercent is { } p ? decimal.Round(p, 2) : null,
        decimal.Round(o.Outlook.RatePerHour24h, 6),
        decimal.Round(o.Outlook.RatePerHour7d, 6),
        decimal.Round(o.Outlook.ProjectedMonthEnd24h, 6),
        decimal.Round(o.Outlook.ProjectedMonthEnd7d, 6),
        decimal.Round(o.Outlook.ProjectedNext24h, 6),
        o.Outlook.RunsOutAt?.UtcDateTime,
        o.Outlook.Status.ToString(),
        o.Outlook.Reason,
        o.Incomplete)
    {
        Currency = o.Currency,
        MissingRateDays = [.. o.MissingRateDays.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))],
    };
}

/// <summary>The budget API: outlooks (Finance and Admin see every team, Managers their own), the CSV, and setting budgets.</summary>
public static class BudgetApi
{
    public static IEndpointRouteBuilder MapBudgetApi(this IEndpointRouteBuilder endpoints)
    {
        // The root path is mapped as "/budgets": a group's "" route would end in a slash.
        var budgets = endpoints.MapGroup("/api/v1").WithTags("Budgets");

        budgets.MapGet("/budgets", ListAsync).WithSummary("This month's outlook of every budget the caller may see.")
            .RequireAuthorization(Policies.BudgetReaders);
        budgets.MapGet("/budgets/export", ExportAsync).WithSummary("Every outlook as CSV.")
            .Produces<string>(StatusCodes.Status200OK, "text/csv").RequireAuthorization(Policies.FinanceOrAdmin);
        budgets.MapGet("/budgets/audit", AuditAsync).WithSummary("The last 500 budget changes, newest first.")
            .RequireAuthorization(Policies.FinanceOrAdmin);
        budgets.MapPut("/budgets/teams/{id:int}", SetTeamAsync).WithSummary("Sets a team's budget from a month on (Managers: their own teams).")
            .DocumentsBody<TeamBudgetBody>("application/json").ProducesChange().RequireAuthorization(Policies.TeamBudgetSetters);
        budgets.MapPut("/budgets/org", SetOrgAsync).WithSummary("Sets the organisation's budget from a month on.")
            .DocumentsBody<OrgBudgetBody>("application/json").ProducesChange().RequireAuthorization(Policies.FinanceOrAdmin);
        return endpoints;
    }

    private static async Task<Ok<BudgetOutlookJson[]>> ListAsync(HttpContext context, BudgetOutlooks outlooks, BudgetService budgets, CancellationToken cancellationToken) =>
        TypedResults.Ok((await VisibleAsync(context, outlooks, budgets, cancellationToken)).Select(BudgetOutlookJson.Of).ToArray());

    private static async Task<FileContentHttpResult> ExportAsync(BudgetOutlooks outlooks, TimeProvider time, CancellationToken cancellationToken)
    {
        var all = await outlooks.ComputeAsync(cancellationToken);
        return TypedResults.File(Encoding.UTF8.GetBytes(ToCsv(all)), "text/csv; charset=utf-8", $"costconsole-budgets-{time.GetUtcNow():yyyy-MM}.csv");
    }

    private static async Task<Ok<BudgetAuditJson[]>> AuditAsync(BudgetService budgets, CancellationToken cancellationToken) =>
        TypedResults.Ok((await budgets.AuditAsync(500, cancellationToken))
            .Select(a => new BudgetAuditJson(a.AtUtc.UtcDateTime, a.Actor, a.Scope, Budget.MonthText(a.FromMonth), a.Before, a.After))
            .ToArray());

    private static async Task<IResult> SetTeamAsync(int id, HttpContext context, BudgetService budgets, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<TeamBudgetBody>(context, cancellationToken);
        if (body is null) return Invalid(problem!);
        return Answer(await budgets.SetTeamBudgetAsync(context.User, id, body.FromMonth, body.MonthlyUsd, body.Thresholds, body.Confirm, cancellationToken, body.Currency));
    }

    private static async Task<IResult> SetOrgAsync(HttpContext context, BudgetService budgets, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<OrgBudgetBody>(context, cancellationToken);
        if (body is null) return Invalid(problem!);
        return Answer(await budgets.SetOrgBudgetAsync(context.User, body.FromMonth, body.MonthlyUsd, body.DailyUsd, body.Confirm, cancellationToken, body.Currency));
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

    private static ProblemHttpResult Invalid(string detail) => TypedResults.Problem(title: "Invalid request", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    private static RouteHandlerBuilder ProducesChange(this RouteHandlerBuilder builder) => builder
        .Produces<BudgetChangeJson>()
        .Produces<BudgetChangeJson>(StatusCodes.Status400BadRequest)
        .Produces<BudgetChangeJson>(StatusCodes.Status403Forbidden)
        .Produces<BudgetChangeJson>(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status400BadRequest);

    private static JsonHttpResult<BudgetChangeJson> Answer(BudgetChange change)
    {
        if (change.Saved) return TypedResults.Json(new BudgetChangeJson(true, false, null, [], []));
        var status = change.Forbidden ? StatusCodes.Status403Forbidden : change.NeedsConfirmation ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status400BadRequest;
        var detail = change.NeedsConfirmation ? "Send again with \"confirm\": true if this is meant." : string.Join(" ", change.Errors);
        return TypedResults.Json(new BudgetChangeJson(false, change.NeedsConfirmation, detail, change.Errors, change.Confirmations), statusCode: status);
    }

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
