using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Serialization;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Reconcile;

public sealed class ReconcileOptions
{
    public const string Section = "Reconcile";

    /// <summary>A row is flagged when CostConsole's cost and the gateway's differ by more than this share of the larger one.</summary>
    public decimal TolerancePercent { get; set; } = 2m;

    /// <summary>… and by more than this many dollars.</summary>
    public decimal MinimumUsd { get; set; } = 0.01m;
}

public sealed class ValidateReconcileOptions : IValidateOptions<ReconcileOptions>
{
    public ValidateOptionsResult Validate(string? name, ReconcileOptions options) =>
        options.TolerancePercent is < 0 or > 100 ? ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{ReconcileOptions.Section}:TolerancePercent must be between 0 and 100 (was {options.TolerancePercent})."))
        : options.MinimumUsd is < 0 or > 1_000_000 ? ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{ReconcileOptions.Section}:MinimumUsd must be between 0 and 1000000 (was {options.MinimumUsd})."))
        : ValidateOptionsResult.Success;
}

/// <summary>A reconciliation of a window: the rows, the totals, and whether the source has a gateway cost to compare with at all.</summary>
public sealed record ReconcileResult(SpendRequest Request, bool Available, string? GatewayMetric, IReadOnlyList<ReconcileRow> Rows, decimal CostUsd, decimal GatewayCostUsd, SpendResult? Spend, decimal TolerancePercent);

/// <summary>CostConsole's cost beside the gateway's own (its USD counter, kept in the ledger), per day, model and team.</summary>
public sealed class ReconcileQuery(ISpendViews views, IOptions<PrometheusOptions> prometheus, IOptions<ReconcileOptions> options)
{
    public static readonly IReadOnlyList<string> DefaultGroupBy = ["day", SpendDimension.Model, SpendDimension.Team];

    public async Task<ReconcileResult> RunAsync(SpendRequest request, CancellationToken cancellationToken = default)
    {
        var profile = prometheus.Value.ActiveProfile();
        var settings = options.Value;
        if (profile.GatewayCostMetric is null)
        {
            return new ReconcileResult(request, false, null, [], 0m, 0m, null, settings.TolerancePercent);
        }

        var spend = await views.GetAsync(request, cancellationToken);
        var rows = Reconciliation.Compare(request.GroupBy, spend.Rows, settings.TolerancePercent, settings.MinimumUsd);
        return new ReconcileResult(request, true, profile.GatewayCostMetric.Metric, rows, spend.Totals.CostUsd, spend.Totals.GatewayCostUsd, spend, settings.TolerancePercent);
    }
}

/// <summary>One reconciled row: its keys (only the groupBy ones), both costs, the difference and, when flagged, the likely cause.</summary>
public sealed record ReconcileRowJson(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("yyyy-MM-dd in the tz asked for.")] string? Day,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Model,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Team,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Feature,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Provider,
    decimal CostUsd, decimal GatewayCostUsd, decimal DifferenceUsd, decimal? DifferencePercent, long UnpricedTokens, bool Flagged, string? Cause);

/// <summary>
/// The reconciliation of a window. <c>available</c> is false when the metric profile has no gateway cost counter (only
/// bifrost and litellm report their own USD). Money is USD rounded to 6 decimals; percentages to 2.
/// </summary>
public sealed record ReconcileAnswerJson(DateTimeOffset From, DateTimeOffset To, string Currency, bool Available, string? GatewayMetric, decimal TolerancePercent,
    IReadOnlyList<ReconcileRowJson> Rows, decimal CostUsd, decimal GatewayCostUsd, int FlaggedRows, bool Incomplete, IReadOnlyList<string> Warnings)
{
    public static ReconcileAnswerJson Of(ReconcileResult result)
    {
        var groupBy = result.Request.GroupBy;
        string? Key(ReconcileRow row, string name) => groupBy.ToList().IndexOf(name) is var i and >= 0 ? row.Keys[i] : null;
        return new(result.Request.From, result.Request.To, "USD", result.Available, result.GatewayMetric, result.TolerancePercent,
            [.. result.Rows.Select(r => new ReconcileRowJson(Key(r, "day"), Key(r, SpendDimension.Model), Key(r, SpendDimension.Team), Key(r, SpendDimension.Feature), Key(r, SpendDimension.Provider),
                decimal.Round(r.CostUsd, 6), decimal.Round(r.GatewayCostUsd, 6), decimal.Round(r.DifferenceUsd, 6), r.DifferencePercent is { } p ? decimal.Round(p, 2) : null, r.UnpricedTokens, r.Flagged, r.Cause))],
            decimal.Round(result.CostUsd, 6), decimal.Round(result.GatewayCostUsd, 6), result.Rows.Count(r => r.Flagged), result.Spend?.Incomplete ?? false,
            result.Available ? result.Spend?.Warnings ?? [] : [ReconcileApi.Unavailable]);
    }
}

public static class ReconcileApi
{
    public const string Unavailable = "This metric profile has no gateway cost counter: reconciliation compares with a gateway's own USD (the bifrost and litellm profiles).";

    private static readonly HashSet<string> Groupable = ["day", SpendDimension.Model, SpendDimension.Team, SpendDimension.Feature, SpendDimension.Provider];

    public static IServiceCollection AddCostConsoleReconcile(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReconcileOptions>().Bind(configuration.GetSection(ReconcileOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReconcileOptions>, ValidateReconcileOptions>();
        services.AddSingleton<ReconcileQuery>();
        services.AddSingleton<ProviderReportStore>();
        services.AddSingleton<ReportMappings>();
        services.AddOptions<ReportPullOptions>().Bind(configuration.GetSection(ReportPullOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReportPullOptions>, ValidateReportPullOptions>();
        ReportPuller.AddReportPullClient(services);
        services.AddSingleton<ReportPuller>();
        services.AddTransient<ReportPullJob>();
        services.AddHostedService<ReportPullScheduler>();
        services.AddSingleton<InvoiceReconcileQuery>();
        services.AddSingleton<BillSummary>();
        services.AddSingleton<CostConsole.Features.Spend.IBillSummaryNote>(provider => provider.GetRequiredService<BillSummary>());
        return services;
    }

    public static IEndpointRouteBuilder MapReconcileApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/reconcile/gateway", async ([AsParameters] SpendParameters query, ReconcileQuery reconcile, IOptions<LedgerOptions> ledger, IOptions<PrometheusOptions> prometheus, CancellationToken cancellationToken) =>
            {
                var (request, problem) = Parse(query, ledger.Value.MaxQueryDays, prometheus.Value.ActiveProfile().ExtraNames);
                if (request is null)
                {
                    return Results.Problem(title: "Invalid reconciliation query", detail: problem, statusCode: StatusCodes.Status400BadRequest);
                }

                return Results.Ok(ReconcileAnswerJson.Of(await reconcile.RunAsync(request, cancellationToken)));
            })
            .WithTags("Reconcile")
            .WithSummary("CostConsole's cost beside the gateway's own, per day, model and team, with rows over the tolerance flagged and their likely cause.")
            .WithDescription("groupBy takes day, model, team, feature and provider (default day,model,team). The gateway's figure is the hourly increase of its USD counter (bifrost_cost_total, litellm_spend_metric_total).")
            .Produces<ReconcileAnswerJson>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status400BadRequest)
            .RequireAuthorization(Policies.Reconcilers);
        endpoints.MapInvoiceApi();
        return endpoints;
    }

    /// <summary>The spend query's checks, with the reconciliation's default and allowed groupings.</summary>
    public static (SpendRequest? Request, string? Problem) Parse(SpendParameters query, int maxDays, IReadOnlyList<string>? extras = null)
    {
        var (request, problem) = SpendApi.Parse(query, maxDays, extras);
        if (request is null) return (null, problem);
        if (request.GroupBy.Count == 0) request = request with { GroupBy = ReconcileQuery.DefaultGroupBy };
        var bad = request.GroupBy.FirstOrDefault(g => !Groupable.Contains(g) && !request.Extras.Contains(g));
        return bad is null ? (request, null) : (null, $"'groupBy' cannot be '{Echo.Printable(bad)}' here; use day, model, team, feature or provider.");
    }
}
