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
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var profile = prometheusOptions.Value.ActiveProfile();
        var book = await prices.LoadAsync(cancellationToken);
        var pricesMs = clock.Elapsed.TotalMilliseconds;
        List<string> warnings = [];
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var owners = await (from o in db.FeatureOwners join t in db.Teams on o.TeamId equals t.Id select new { o.Feature, t.Name })
            .ToDictionaryAsync(o => o.Feature, o => o.Name, StringComparer.Ordinal, cancellationToken);
        var lastHour = await db.LedgerHours.MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        DateTimeOffset? through = lastHour is { } h ? DateTimeOffset.FromUnixTimeSeconds(h).AddHours(1) : null;

        var fromUnix = request.From.ToUnixTimeSeconds();
        var toUnix = request.To.ToUnixTimeSeconds();
        var cells = await ReadCellsAsync(db, fromUnix, toUnix, through, book, request, cancellationToken);
        var sqlMs = clock.Elapsed.TotalMilliseconds;

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

            TokenCounts tokens = default;
            foreach (var cell in bucket)
            {
                tokens += cell.Type switch
                {
                    TokenType.Input => new TokenCounts(cell.Tokens, 0, 0, 0),
                    TokenType.CachedInput => new TokenCounts(0, cell.Tokens, 0, 0),
                    TokenType.CacheWrite => new TokenCounts(0, 0, cell.Tokens, 0),
                    _ => new TokenCounts(0, 0, 0, cell.Tokens),
                };
            }

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
        logger.LogDebug("Spend query: {Cells} ledger cells into {Rows} rows in {Ms:0.0} ms (prices {PricesMs:0.0} ms, ledger read {SqlMs:0.0} ms)", cells.Count, rows.Count, clock.Elapsed.TotalMilliseconds, pricesMs, sqlMs);
        return new SpendResult(request.From, request.To, request.GroupBy, rows, totals, through, warnings);
    }

    /// <summary>
    /// The ledger cells of the window: daily sums for whole, ingested days in which no price starts (a day's cell is
    /// priced at its first hour, which holds all day), hourly rows for the rest and whenever rows are grouped by hour.
    /// </summary>
    private static async Task<List<Cell>> ReadCellsAsync(CostConsoleDbContext db, long fromUnix, long toUnix, DateTimeOffset? through, PriceBook book, SpendRequest request, CancellationToken cancellationToken)
    {
        const long Day = 86_400;
        var ingestedUntil = Math.Min(toUnix, through?.ToUnixTimeSeconds() ?? fromUnix);
        var firstDay = (fromUnix + Day - 1) / Day * Day;
        var endDay = ingestedUntil / Day * Day;
        if (request.GroupBy.Contains("hour") || endDay <= firstDay)
        {
            return await ReadAsync(db, "LedgerTokens", "HourUnix", fromUnix, toUnix, request, cancellationToken);
        }

        // Days in which some price starts after midnight: their hours carry different prices.
        var mixedDays = book.ChangeHoursUnix.Where(h => h % Day != 0).Select(h => h - h % Day).ToHashSet();
        bool Mixed(long day) => mixedDays.Contains(day);
        var cells = await ReadAsync(db, "LedgerDays", "DayUnix", firstDay, endDay, request, cancellationToken);
        cells.RemoveAll(c => Mixed(c.Hour));
        cells.AddRange(await ReadAsync(db, "LedgerTokens", "HourUnix", fromUnix, firstDay, request, cancellationToken));
        cells.AddRange(await ReadAsync(db, "LedgerTokens", "HourUnix", endDay, toUnix, request, cancellationToken));
        for (var day = firstDay; day < endDay; day += Day)
        {
            if (Mixed(day))
            {
                cells.AddRange(await ReadAsync(db, "LedgerTokens", "HourUnix", day, day + Day, request, cancellationToken));
            }
        }

        return cells;
    }

    /// <summary>A plain reader over the (time, dimensions, type) index: the hot path of every spend view.</summary>
    private static async Task<List<Cell>> ReadAsync(CostConsoleDbContext db, string table, string timeColumn, long fromUnix, long toUnix, SpendRequest request, CancellationToken cancellationToken)
    {
        if (toUnix <= fromUnix)
        {
            return [];
        }

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var sql = new System.Text.StringBuilder($"SELECT {timeColumn}, Model, Provider, Feature, Team, Operation, Outcome, TokenType, Tokens FROM {table} WHERE {timeColumn} >= $from AND {timeColumn} < $to");
        void Parameter(string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        void In(string column, IReadOnlyList<string> values)
        {
            if (values.Count == 0) return;
            var names = values.Select((v, i) => $"${column}{i}").ToList();
            sql.Append($" AND {column} IN ({string.Join(",", names)})");
            for (var i = 0; i < values.Count; i++) Parameter(names[i], values[i]);
        }

        Parameter("$from", fromUnix);
        Parameter("$to", toUnix);
        In("Feature", request.Features);
        In("Model", request.Models);
        command.CommandText = sql.ToString();
        List<Cell> cells = [];
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            cells.Add(new Cell(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetString(6), (TokenType)reader.GetInt32(7), reader.GetInt64(8)));
        }

        return cells;
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
