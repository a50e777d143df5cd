using System.Text.Json;
using CostConsole.Data;
using CostConsole.Prometheus;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CostConsole.Features.Health;

// The factory is resolved only once the database is known to be usable: with a broken connection string it cannot be built.
internal sealed class DatabaseHealthCheck(DatabaseStatus status, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!status.Ready)
        {
            return HealthCheckResult.Unhealthy($"Database: {status.Problem}");
        }

        try
        {
            var dbFactory = services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>();
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
            return pending.Any()
                ? HealthCheckResult.Unhealthy($"Database: {pending.Count()} migration(s) not applied; run 'migrate'.")
                : HealthCheckResult.Healthy("Database: ready");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"Database: {DatabaseSetup.Describe(ex)}");
        }
    }
}

internal sealed class PrometheusHealthCheck(PrometheusClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var build = await client.BuildInfoAsync(cancellationToken);
            return HealthCheckResult.Healthy($"Prometheus {build.Data.Version} at {client.BaseAddress}");
        }
        catch (PrometheusException ex)
        {
            return HealthCheckResult.Unhealthy($"Prometheus: {ex.Message}");
        }
    }
}

/// <summary>Degraded, not down, while ingestion fails: pages still serve what the ledger holds, and it retries.</summary>
internal sealed class LedgerHealthCheck(Ledger.LedgerStatus status, Ledger.LedgerLease lease) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Which replica holds the ledger lease (with several replicas on PostgreSQL, exactly one writes).
        var writer = await lease.HolderAsync(cancellationToken);
        var leaseText = writer is null ? $"no replica holds the ledger lease right now (this is {lease.Replica})"
            : writer == lease.Replica ? $"this replica ({lease.Replica}) holds the ledger lease"
            : $"replica {writer} holds the ledger lease; this one ({lease.Replica}) stands by";
        var data = new Dictionary<string, object> { ["replica"] = lease.Replica, ["ledgerWriter"] = writer ?? "" };
        return status.State == Ledger.LedgerState.Failing
            ? HealthCheckResult.Degraded($"Ledger: ingestion is failing and retries: {status.LastError}; {leaseText}", data: data)
            : status.FoldedValues.Count > 0
            ? HealthCheckResult.Degraded($"Ledger: {string.Join(", ", status.FoldedValues.Select(f => $"the {f.Key} dimension is full ({f.Value} more values counted under (other))"))}; drop the label at the source or with metric_relabel_configs; {leaseText}", data: data)
            : HealthCheckResult.Healthy((status.Through is { } through ? $"Ledger: exact through {through:yyyy-MM-ddTHH:mm}Z" : "Ledger: nothing ingested yet") + "; " + leaseText, data);
    }
}

public static class HealthSetup
{
    public static IServiceCollection AddCostConsoleHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<PrometheusHealthCheck>("prometheus", tags: ["ready"])
            .AddCheck<LedgerHealthCheck>("ledger", tags: ["ready"]);
        return services;
    }

    public static IEndpointRouteBuilder MapCostConsoleHealth(this IEndpointRouteBuilder endpoints)
    {
        // Live: the process answers. Ready: the database and Prometheus answer too.
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = WriteJsonAsync,
        }).AllowAnonymous();
        return endpoints;
    }

    /// <summary>Healthy or unhealthy for anyone (a load balancer); which check and why — the Prometheus URL and version, the database's problem — only for a signed-in Engineer or Admin.</summary>
    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var detailed = context.User.IsInRole(Identity.Roles.Engineer) || context.User.IsInRole(Identity.Roles.Admin);
        object body = detailed
            ? new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
                replica = report.Entries.TryGetValue("ledger", out var ledger) && ledger.Data.TryGetValue("replica", out var replica) ? replica : null,
                ledgerWriter = ledger.Data?.TryGetValue("ledgerWriter", out var writer) == true && writer is string { Length: > 0 } ? writer : null,
            }
            : new { status = report.Status.ToString() };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
