using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Ledger;
using CostConsole.Features.Metrics;
using CostConsole.Features.Pricing;
using CostConsole.Prometheus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Spend;

public sealed record SpendRequest(
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<string> Features,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> Teams);

public sealed record SpendFigures(long InputTokens, long CachedInputTokens, long CacheWriteTokens, long OutputTokens, decimal CostUsd, long UnpricedTokens)
{
    public static SpendFigures Zero { get; } = new(0, 0, 0, 0, 0m, 0);

    public SpendFigures Add(TokenCounts tokens, decimal cost, long unpriced) =>
        new(InputTokens + tokens.Input, CachedInputTokens + tokens.CachedInput, CacheWriteTokens + tokens.CacheWrite, OutputTokens + tokens.Output, CostUsd + cost, UnpricedTokens + unpriced);
}

public sealed record SpendRow(IReadOnlyList<string> Keys, SpendFigures Figures);

public sealed record SpendResult(
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<SpendRow> Rows,
    SpendFigures Totals,
    DateTimeOffset? LedgerThrough,
    IReadOnlyList<string> Warnings);

/// <summary>
/// Spend by any grouping, computed at query time: tokens from the ledger (plus the open hour live from Prometheus),
/// priced hour by hour with the prices in force then. Tokens without a price are counted as unpriced, never as $0.
/// </summary>
public sealed class SpendQuery(
    IDbContextFactory<CostConsoleDbContext> dbFactory,
    PriceStore prices,
    LedgerIngestor ingestor,
    IOptions<PrometheusOptions> prometheusOptions,
    TimeProvider time,
    ILogger<SpendQuery> logger)
{
    public static readonly IReadOnlyList<string> GroupKeys = ["feature", "model", "team", "provider", "operation", "outcome", "day", "hour"];

    private sealed record Cell(long Hour, string Model, string Provider, string Feature, string Team, string Operation, string Outcome, TokenType Type, long Tokens);

    public async Task<SpendResult> RunAsync(SpendRequest request, CancellationToken cancellationToken = default)
    {
        var profile = prometheusOptions.Value.ActiveProfile();
        var book = await prices.LoadAsync(cancellationToken);
        List<string> warnings = [];
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var owners = await (from o in db.FeatureOwners join t in db.Teams on o.TeamId equals t.Id select new { o.Feature, t.Name })
            .ToDictionaryAsync(o => o.Feature, o => o.Name, StringComparer.Ordinal, cancellationToken);
        var lastHour = await db.LedgerHours.MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        DateTimeOffset? through = lastHour is { } h ? DateTimeOffset.FromUnixTimeSeconds(h).AddHours(1) : null;

        var fromUnix = request.From.ToUnixTimeSeconds();
        var toUnix = request.To.ToUnixTimeSeconds();
        var query = db.LedgerEntries.AsNoTracking().Where(e => e.HourUnix >= fromUnix && e.HourUnix < toUnix);
        if (request.Features.Count > 0) query = query.Where(e => request.Features.Contains(e.Feature));
        if (request.Models.Count > 0) query = query.Where(e => request.Models.Contains(e.Model));
        var cells = await query
            .GroupBy(e => new { e.HourUnix, e.Model, e.Provider, e.Feature, e.Team, e.Operation, e.Outcome, e.TokenType })
            .Select(g => new Cell(g.Key.HourUnix, g.Key.Model, g.Key.Provider, g.Key.Feature, g.Key.Team, g.Key.Operation, g.Key.Outcome, g.Key.TokenType, g.Sum(e => e.Tokens)))
            .ToListAsync(cancellationToken);

        cells.AddRange(await LiveCellsAsync(request, through, profile, warnings, cancellationToken));
        if (through is null)
        {
            warnings.Add("The ledger is empty: no closed hour has been ingested yet.");
        }
        else if (through < request.To && through < RangeWindow.Floor(time.GetUtcNow(), TimeSpan.FromHours(1)))
        {
            warnings.Add($"The ledger is exact through {through:yyyy-MM-ddTHH:mm}Z; closed hours after that are still being ingested and are missing here.");
        }

        string TeamOf(Cell c) => c.Team.Length > 0 ? c.Team : owners.GetValueOrDefault(c.Feature, FeatureOwner.Unassigned);
        var teamFilter = request.Teams.Count > 0 ? request.Teams.ToHashSet(StringComparer.Ordinal) : null;

        // Price each (hour, model, full dimension set), then fold into the requested keys.
        var groups = new Dictionary<string, (string[] Keys, SpendFigures Figures)>(StringComparer.Ordinal);
        var totals = SpendFigures.Zero;
        var unpricedModels = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var bucket in cells.GroupBy(c => (c.Hour, c.Model, c.Provider, c.Feature, Team: TeamOf(c), c.Operation, c.Outcome)))
        {
            if (teamFilter is not null && !teamFilter.Contains(bucket.Key.Team))
            {
                continue;
            }

            var tokens = new TokenCounts(
                bucket.Where(c => c.Type == TokenType.Input).Sum(c => c.Tokens),
                bucket.Where(c => c.Type == TokenType.CachedInput).Sum(c => c.Tokens),
                bucket.Where(c => c.Type == TokenType.CacheWrite).Sum(c => c.Tokens),
                bucket.Where(c => c.Type == TokenType.Output).Sum(c => c.Tokens));
            var hour = DateTimeOffset.FromUnixTimeSeconds(bucket.Key.Hour);
            var cost = CostFormula.CostAt(book, bucket.Key.Model, hour, tokens, profile.InputIncludesCached);
            var unpriced = cost.Priced ? 0 : tokens.Billable(profile.InputIncludesCached);
            if (!cost.Priced) unpricedModels.Add(bucket.Key.Model.Length > 0 ? bucket.Key.Model : "(no model label)");

            var keys = request.GroupBy.Select(k => k switch
            {
                "feature" => bucket.Key.Feature,
                "model" => bucket.Key.Model,
                "team" => bucket.Key.Team,
                "provider" => bucket.Key.Provider,
                "operation" => bucket.Key.Operation,
                "outcome" => bucket.Key.Outcome,
                "day" => hour.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                "hour" => hour.UtcDateTime.ToString("yyyy-MM-ddTHH:00:00Z", CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"Unknown groupBy key '{k}'."),
            }).ToArray();
            var id = string.Join('\u001f', keys);
            var current = groups.TryGetValue(id, out var existing) ? existing.Figures : SpendFigures.Zero;
            groups[id] = (keys, current.Add(tokens, cost.CostUsd, unpriced));
            totals = totals.Add(tokens, cost.CostUsd, unpriced);
        }

        if (unpricedModels.Count > 0)
        {
            warnings.Add($"{totals.UnpricedTokens:N0} tokens have no price in force and are not in the cost: {string.Join(", ", unpricedModels)}. Add a price to include them.");
        }

        var rows = groups.Values
            .OrderByDescending(g => g.Figures.CostUsd).ThenByDescending(g => g.Figures.UnpricedTokens)
            .ThenBy(g => string.Join('\u001f', g.Keys), StringComparer.Ordinal)
            .Select(g => new SpendRow(g.Keys, g.Figures))
            .ToList();
        return new SpendResult(request.From, request.To, request.GroupBy, rows, totals, through, warnings);
    }

    /// <summary>Hours of the window after the ledger and up to now: read live from Prometheus, said so in a warning.</summary>
    private async Task<IReadOnlyList<Cell>> LiveCellsAsync(SpendRequest request, DateTimeOffset? through, MetricProfile profile, List<string> warnings, CancellationToken cancellationToken)
    {
        var openHour = RangeWindow.Floor(time.GetUtcNow(), TimeSpan.FromHours(1));
        var liveFrom = new[] { request.From, through ?? openHour, openHour }.Max();
        var liveTo = request.To < time.GetUtcNow() ? request.To : time.GetUtcNow();
        if (liveTo <= liveFrom || request.To <= openHour)
        {
            return [];
        }

        try
        {
            var chunk = await ingestor.ReadChunkAsync(liveFrom, liveTo, cancellationToken);
            warnings.Add($"Figures since {liveFrom:yyyy-MM-ddTHH:mm}Z are live from Prometheus (the hour is still open).");
            return [.. chunk.Totals
                .Where(t => (request.Features.Count == 0 || request.Features.Contains(t.Key.Dims.Feature)) && (request.Models.Count == 0 || request.Models.Contains(t.Key.Dims.Model)))
                .Select(t => new Cell(t.Key.Hour, t.Key.Dims.Model, t.Key.Dims.Provider, t.Key.Dims.Feature, t.Key.Dims.Team, t.Key.Dims.Operation, t.Key.Dims.Outcome, t.Key.Type, (long)Math.Round(t.Value)))];
        }
        catch (Exception ex) when (ex is PrometheusException or IncompleteAnswerException)
        {
            logger.LogWarning("Live spend unavailable: {Error}", ex.Message);
            warnings.Add($"The open hour could not be read from Prometheus ({ex.Message}); figures after {liveFrom:yyyy-MM-ddTHH:mm}Z are missing, not zero.");
            return [];
        }
    }
}
