using System.Text.Json;
using CostConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Reconcile;

/// <summary>A stored mapping rule (see <see cref="MappingRule"/>), with who added it.</summary>
public sealed class ReportMappingRecord
{
    public long Id { get; set; }
    public int Order { get; set; }
    public required string Kind { get; set; }
    public required string Field { get; set; }
    public required string Match { get; set; }
    public string Model { get; set; } = "";
    public string Variant { get; set; } = "";
    public string TokenType { get; set; } = "";
    public string Team { get; set; } = "";
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public MappingRule ToRule() => new(Order, Kind, Field, Match, Model, Variant, TokenType, Team);
}

/// <summary>A bill row no model rule maps, grouped by what a rule could match: listed so none is dropped unseen.</summary>
public sealed record UnmappedBillRow(string Provider, string Sku, string Resource, string Meter, int Rows, decimal AmountUsd);

/// <summary>
/// The mapping rules that turn bill rows into models and teams (Admins and Engineers edit them). Rules apply when
/// bills are read, so a rule added now maps the rows already imported; <see cref="PreviewAsync"/> says what a new
/// rule would map before it is saved.
/// </summary>
public sealed class ReportMappings(IDbContextFactory<CostConsoleDbContext> dbFactory, ProviderReportStore reports, TimeProvider time)
{
    public async Task<IReadOnlyList<ReportMappingRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ReportMappings.AsNoTracking().OrderBy(m => m.Kind).ThenBy(m => m.Order).ThenBy(m => m.Id).ToListAsync(cancellationToken);
    }

    public async Task<ReportMapper> MapperAsync(CancellationToken cancellationToken = default) => new((await ListAsync(cancellationToken)).Select(m => m.ToRule()));

    /// <summary>Adds a rule at the end of its kind (or at <paramref name="rule"/>'s order when given); the problems when it cannot.</summary>
    public async Task<(ReportMappingRecord? Saved, IReadOnlyList<string> Problems)> AddAsync(MappingRule rule, string actor, CancellationToken cancellationToken = default)
    {
        rule = rule with { Match = rule.Match.Trim(), Model = rule.Model.Trim(), Variant = rule.Variant.Trim(), Team = rule.Team.Trim(), Field = rule.Field.Trim() };
        var problems = rule.Problems().ToList();
        if (problems.Count > 0) return (null, problems);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.ReportMappings.AnyAsync(m => m.Kind == rule.Kind && m.Field == rule.Field && m.Match == rule.Match, cancellationToken))
        {
            return (null, [$"a {rule.Kind} rule for {rule.Field} '{Echo.Printable(rule.Match)}' exists already: delete it first to change it."]);
        }

        var order = rule.Order > 0 ? rule.Order : (await db.ReportMappings.Where(m => m.Kind == rule.Kind).MaxAsync(m => (int?)m.Order, cancellationToken) ?? 0) + 10;
        var record = new ReportMappingRecord
        {
            Order = order, Kind = rule.Kind, Field = rule.Field, Match = rule.Match, Model = rule.Model, Variant = rule.Variant, TokenType = rule.TokenType, Team = rule.Team,
            CreatedBy = actor, CreatedAt = time.GetUtcNow(),
        };
        db.ReportMappings.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        return (record, []);
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ReportMappings.Where(m => m.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>The bill rows of the last <paramref name="days"/> days no model rule maps, most costly first.</summary>
    public async Task<IReadOnlyList<UnmappedBillRow>> UnmappedAsync(DateOnly from, DateOnly to, ReportMapper? mapper = null, CancellationToken cancellationToken = default)
    {
        mapper ??= await MapperAsync(cancellationToken);
        var lines = await reports.ProviderLinesAsync(from, to, cancellationToken);
        return [.. lines.Where(l => l.Line.Bill is { } bill && l.Line.TokenCost && mapper.ModelRule(bill) is null)
            .GroupBy(l => (l.Provider, l.Line.Bill!.Sku, l.Line.Bill.Resource, l.Line.Bill.Meter))
            .Select(g => new UnmappedBillRow(g.Key.Provider, g.Key.Sku, g.Key.Resource, g.Key.Meter, g.Count(), g.Sum(l => l.Line.AmountUsd)))
            .OrderByDescending(u => u.AmountUsd)];
    }

    /// <summary>What a rule not yet saved would map: the unmapped rows (or accounts) it matches.</summary>
    public async Task<(int Rows, decimal AmountUsd, IReadOnlyList<string> Problems)> PreviewAsync(MappingRule rule, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        var problems = rule.Problems().ToList();
        if (problems.Count > 0) return (0, 0m, problems);
        var lines = await reports.ProviderLinesAsync(from, to, cancellationToken);
        var current = await MapperAsync(cancellationToken);
        var alone = new ReportMapper([rule]);
        var matched = rule.Kind == MappingRule.ModelKind
            ? lines.Where(l => l.Line.Bill is { } bill && l.Line.TokenCost && current.ModelRule(bill) is null && alone.ModelRule(bill) is not null).ToList()
            : [.. lines.Where(l => current.TeamOf(l.Line.Account, l.Line.ApiKey, l.Line.Bill?.Tags).Length == 0 && alone.TeamOf(l.Line.Account, l.Line.ApiKey, l.Line.Bill?.Tags).Length > 0)];
        return (matched.Count, matched.Sum(l => l.Line.AmountUsd), []);
    }
}
