using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Ledger;
using CostConsole.Features.Metrics;
using CostConsole.Features.Pricing;
using CostConsole.Prometheus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Spend;

/// <summary>The dimensions spend can be grouped and filtered by.</summary>
public static class SpendDimension
{
    public const string Feature = "feature";
    public const string Model = "model";
    public const string Team = "team";
    public const string Provider = "provider";
    public const string Operation = "operation";
    public const string Outcome = "outcome";

    public static IReadOnlyList<string> All { get; } = [Feature, Model, Team, Provider, Operation, Outcome];

    public static string Title(string dimension) => dimension switch
    {
        "day" => "Day",
        "hour" => "Hour",
        _ => char.ToUpperInvariant(dimension[0]) + dimension[1..],
    };

    /// <summary>How an empty dimension value reads: the series did not carry that label.</summary>
    public static string Display(string value) => value.Length == 0 ? "(not labelled)" : value;
}

/// <summary>
/// One spend view: a window of whole UTC hours, a grouping, filters by dimension (values OR-ed within a dimension,
/// AND-ed across), the time zone whose calendar days "day" means, and optionally one instant whose prices are used
/// for every hour (to separate volume from price when comparing periods).
/// </summary>
public sealed record SpendRequest(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string> GroupBy)
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoFilters = new Dictionary<string, IReadOnlyList<string>>();

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Filters { get; init; } = NoFilters;

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    public DateTimeOffset? RepriceAt { get; init; }

    public IReadOnlyList<string> FilterOf(string dimension) => Filters.TryGetValue(dimension, out var values) ? values : [];

    public SpendRequest WithFilter(string dimension, IReadOnlyList<string> values)
    {
        var filters = Filters.Where(f => f.Key != dimension && f.Value.Count > 0).ToDictionary(f => f.Key, f => f.Value);
        if (values.Count > 0) filters[dimension] = values;
        return this with { Filters = filters };
    }

    /// <summary>Identifies the view for sharing one computation between everyone looking at it.</summary>
    public string Key
    {
        get
        {
            var key = new System.Text.StringBuilder()
                .Append(From.ToUnixTimeSeconds()).Append('|').Append(To.ToUnixTimeSeconds()).Append('|')
                .AppendJoin(',', GroupBy).Append('|').Append(TimeZone.Id).Append('|').Append(RepriceAt?.ToUnixTimeSeconds());
            foreach (var (dimension, values) in Filters.Where(f => f.Value.Count > 0).OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                key.Append('|').Append(dimension).Append('=').AppendJoin('\u001f', values.Order(StringComparer.Ordinal));
            }

            return key.ToString();
        }
    }
}

/// <summary>
/// Tokens by type, requests, cost, unpriced tokens and what cached tokens saved, for one row or a total.
/// <see cref="BillableTokens"/> counts each billed token once (cached input sits inside input where the profile says so).
/// </summary>
public sealed record SpendFigures(
    long InputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    long OutputTokens,
    decimal CostUsd,
    long UnpricedTokens,
    long Requests = 0,
    decimal CachedSavingsUsd = 0m,
    long BillableTokens = 0)
{
    public static SpendFigures Zero { get; } = new(0, 0, 0, 0, 0m, 0);

    /// <summary>Null where no request counter exists: "no requests counted" is not "free per request".</summary>
    public decimal? CostPer1KRequests => Requests > 0 ? CostUsd / Requests * 1000m : null;

    public SpendFigures Add(TokenCounts tokens, decimal cost, long unpriced, long requests = 0, decimal savings = 0m, long billable = 0) =>
        new(InputTokens + tokens.Input, CachedInputTokens + tokens.CachedInput, CacheWriteTokens + tokens.CacheWrite, OutputTokens + tokens.Output,
            CostUsd + cost, UnpricedTokens + unpriced, Requests + requests, CachedSavingsUsd + savings, BillableTokens + billable);
}

public sealed record SpendRow(IReadOnlyList<string> Keys, SpendFigures Figures);

public sealed record SpendResult(
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<SpendRow> Rows,
    SpendFigures Totals,
    DateTimeOffset? LedgerThrough,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Models with tokens but no price in force, for the "add a price" call-out.</summary>
    public IReadOnlyList<string> UnpricedModels { get; init; } = [];

    /// <summary>True when part of the window could not be read (the open hour from Prometheus): figures are a floor.</summary>
    public bool Incomplete { get; init; }

    /// <summary>The first hour the ledger holds: a window before it has no data, which is not the same as no spend.</summary>
    public DateTimeOffset? LedgerFrom { get; init; }

    /// <summary>The window starts before the ledger's first hour: the hours before it are not known, which is not zero.</summary>
    public bool StartsBeforeLedger => LedgerFrom is { } first && From < first && To > first;

    /// <summary>True when no figure of the window could be known: nothing ingested in it and nothing live.</summary>
    public bool NoData => LedgerThrough is null || (LedgerFrom is { } first && To <= first) || (From >= LedgerThrough && (LiveSince is null || Incomplete));

    /// <summary>Where the live part came from, e.g. "live since 14:00 UTC", or null when the window is all ledger.</summary>
    public DateTimeOffset? LiveSince { get; init; }
}

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
    public static readonly IReadOnlyList<string> GroupKeys = [.. SpendDimension.All, "day", "hour"];

    /// <summary>Minutes without any token sample after which the live part counts as missing (a few scrape intervals).</summary>
    private const int StaleMinutes = 5;

    /// <summary>Seconds one read of the open hour serves every view (the overview alone asks for several).</summary>
    private const int LiveShareSeconds = 10;

    private long _runs;

    /// <summary>How many times a spend view was computed from the ledger (the cache's tests count on it).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    private sealed record Cell(long Hour, string Model, string Provider, string Feature, string Team, string Operation, string Outcome, TokenType Type, long Tokens);

    public Task<SpendResult> RunAsync(SpendRequest request, CancellationToken cancellationToken = default) =>
        RunWithPricesAsync(request, null, cancellationToken);

    /// <summary>
    /// Computes a view with the given prices instead of the stored ones (the price editor's "what if"); such results
    /// are never cached, since their key does not say which prices they used.
    /// </summary>
    public async Task<SpendResult> RunWithPricesAsync(SpendRequest request, PriceBook? priceBook, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _runs);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var profile = prometheusOptions.Value.ActiveProfile();
        var book = priceBook ?? await prices.LoadAsync(cancellationToken);
        var pricesMs = clock.Elapsed.TotalMilliseconds;
        List<string> warnings = [];
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var owners = await (from o in db.FeatureOwners join t in db.Teams on o.TeamId equals t.Id select new { o.Feature, t.Name })
            .ToDictionaryAsync(o => o.Feature, o => o.Name, StringComparer.Ordinal, cancellationToken);
        var lastHour = await db.LedgerHours.MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        var firstHour = await db.LedgerHours.MinAsync(h => (long?)h.HourUnix, cancellationToken);
        DateTimeOffset? through = lastHour is { } h ? DateTimeOffset.FromUnixTimeSeconds(h).AddHours(1) : null;

        var fromUnix = request.From.ToUnixTimeSeconds();
        var toUnix = request.To.ToUnixTimeSeconds();
        var cells = await ReadCellsAsync(db, fromUnix, toUnix, through, book, request, cancellationToken);
        var sqlMs = clock.Elapsed.TotalMilliseconds;

        var live = await LiveCellsAsync(request, through, profile, warnings, cancellationToken);
        cells.AddRange(live.Cells);
        if (through is null)
        {
            warnings.Add("The ledger is empty: no closed hour has been ingested yet.");
        }
        else if (through < request.To && through < RangeWindow.Floor(time.GetUtcNow(), TimeSpan.FromHours(1)))
        {
            warnings.Add($"The ledger is exact through {through:yyyy-MM-ddTHH:mm}Z; closed hours after that are still being ingested and are missing here.");
        }

        string TeamOf(Cell c) => c.Team.Length > 0 ? c.Team : owners.GetValueOrDefault(c.Feature, FeatureOwner.Unassigned);
        var teamFilter = request.FilterOf(SpendDimension.Team) is { Count: > 0 } teams ? teams.ToHashSet(StringComparer.Ordinal) : null;

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
            long requests = 0;
            foreach (var cell in bucket)
            {
                switch (cell.Type)
                {
                    case TokenType.Input: tokens += new TokenCounts(cell.Tokens, 0, 0, 0); break;
                    case TokenType.CachedInput: tokens += new TokenCounts(0, cell.Tokens, 0, 0); break;
                    case TokenType.CacheWrite: tokens += new TokenCounts(0, 0, cell.Tokens, 0); break;
                    case TokenType.Output: tokens += new TokenCounts(0, 0, 0, cell.Tokens); break;
                    case TokenType.Requests: requests += cell.Tokens; break;
                }
            }

            var hour = DateTimeOffset.FromUnixTimeSeconds(bucket.Key.Hour);
            var pricedAt = request.RepriceAt is { } at && book.PriceAt(bucket.Key.Model, at) is not null ? at : hour;
            var cost = CostFormula.CostAt(book, bucket.Key.Model, pricedAt, tokens, profile.InputIncludesCached);
            var unpriced = cost.Priced ? 0 : tokens.Billable(profile.InputIncludesCached);
            if (!cost.Priced && unpriced > 0) unpricedModels.Add(bucket.Key.Model);
            var savings = cost.Price is { CachedInputPerMTok: { } cachedPrice } price
                ? tokens.CachedInput * (price.InputPerMTok - cachedPrice) / 1_000_000m
                : 0m;

            var keys = request.GroupBy.Select(k => k switch
            {
                SpendDimension.Feature => bucket.Key.Feature,
                SpendDimension.Model => bucket.Key.Model,
                SpendDimension.Team => bucket.Key.Team,
                SpendDimension.Provider => bucket.Key.Provider,
                SpendDimension.Operation => bucket.Key.Operation,
                SpendDimension.Outcome => bucket.Key.Outcome,
                "day" => TimeZoneInfo.ConvertTime(hour, request.TimeZone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                "hour" => hour.UtcDateTime.ToString("yyyy-MM-ddTHH:00:00Z", CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"Unknown groupBy key '{k}'."),
            }).ToArray();
            var id = string.Join('\u001f', keys);
            var current = groups.TryGetValue(id, out var existing) ? existing.Figures : SpendFigures.Zero;
            var billable = tokens.Billable(profile.InputIncludesCached);
            groups[id] = (keys, current.Add(tokens, cost.CostUsd, unpriced, requests, savings, billable));
            totals = totals.Add(tokens, cost.CostUsd, unpriced, requests, savings, billable);
        }

        if (unpricedModels.Count > 0)
        {
            warnings.Add($"{totals.UnpricedTokens:N0} tokens have no price in force and are not in the cost: {string.Join(", ", unpricedModels.Select(SpendDimension.Display))}. Add a price to include them.");
        }

        var rows = groups.Values
            .OrderByDescending(g => g.Figures.CostUsd).ThenByDescending(g => g.Figures.UnpricedTokens)
            .ThenBy(g => string.Join('\u001f', g.Keys), StringComparer.Ordinal)
            .Select(g => new SpendRow(g.Keys, g.Figures))
            .ToList();
        logger.LogDebug("Spend query: {Cells} ledger cells into {Rows} rows in {Ms:0.0} ms (prices {PricesMs:0.0} ms, ledger read {SqlMs:0.0} ms)", cells.Count, rows.Count, clock.Elapsed.TotalMilliseconds, pricesMs, sqlMs);
        return new SpendResult(request.From, request.To, request.GroupBy, rows, totals, through, warnings)
        {
            UnpricedModels = [.. unpricedModels],
            Incomplete = live.Failed,
            LiveSince = live.Since,
            LedgerFrom = firstHour is { } f ? DateTimeOffset.FromUnixTimeSeconds(f) : null,
        };
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
        // REVIEW: daily sums are UTC days; local days in another zone are summed from hours (slower on long windows).
        var localDays = request.GroupBy.Contains("day") && (request.TimeZone.BaseUtcOffset != TimeSpan.Zero || request.TimeZone.SupportsDaylightSavingTime);
        if (request.GroupBy.Contains("hour") || localDays || endDay <= firstDay)
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
        In("Feature", request.FilterOf(SpendDimension.Feature));
        In("Model", request.FilterOf(SpendDimension.Model));
        In("Provider", request.FilterOf(SpendDimension.Provider));
        In("Operation", request.FilterOf(SpendDimension.Operation));
        In("Outcome", request.FilterOf(SpendDimension.Outcome));
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

    private sealed record LiveRead(DateTimeOffset From, DateTimeOffset ReadAt, ChunkTotals? Chunk, Exception? Failure);

    private SharedReading<LiveRead>? _live;

    /// <summary>
    /// The open hour's deltas, read from Prometheus once for every view asking within a few seconds (a failure is
    /// shared too, so a Prometheus that is down is not asked once per view). Views ending in the past never get here.
    /// </summary>
    private async Task<ChunkTotals> OpenHourAsync(DateTimeOffset liveFrom, DateTimeOffset liveTo, CancellationToken cancellationToken)
    {
        _live ??= new SharedReading<LiveRead>(time, TimeSpan.FromSeconds(LiveShareSeconds), r => r.ReadAt);
        async Task<LiveRead> Read(CancellationToken token)
        {
            try
            {
                return new LiveRead(liveFrom, time.GetUtcNow(), await ingestor.ReadChunkAsync(liveFrom, liveTo, token), null);
            }
            catch (Exception ex) when (ex is PrometheusException or IncompleteAnswerException)
            {
                return new LiveRead(liveFrom, time.GetUtcNow(), null, ex);
            }
        }

        var read = await _live.GetAsync(Read, cancellationToken: cancellationToken);
        if (read.From != liveFrom)
        {
            read = await _live.GetAsync(Read, refresh: true, cancellationToken);
        }

        return read.Chunk ?? throw read.Failure!;
    }

    /// <summary>Hours of the window after the ledger and up to now: read live from Prometheus, said so in a warning.</summary>
    private async Task<(IReadOnlyList<Cell> Cells, DateTimeOffset? Since, bool Failed)> LiveCellsAsync(SpendRequest request, DateTimeOffset? through, MetricProfile profile, List<string> warnings, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var openHour = RangeWindow.Floor(now, TimeSpan.FromHours(1));
        var liveFrom = new[] { request.From, through ?? openHour, openHour }.Max();
        var liveTo = request.To < now ? request.To : now;
        if (liveTo <= liveFrom || request.To <= openHour)
        {
            return ([], null, false);
        }

        bool Matches(string dimension, string value) => request.FilterOf(dimension) is not { Count: > 0 } values || values.Contains(value);
        try
        {
            var chunk = await OpenHourAsync(liveFrom, liveTo, cancellationToken);
            List<Cell> cells = [.. chunk.Totals
                .Where(t => Matches(SpendDimension.Feature, t.Key.Dims.Feature) && Matches(SpendDimension.Model, t.Key.Dims.Model)
                    && Matches(SpendDimension.Provider, t.Key.Dims.Provider) && Matches(SpendDimension.Operation, t.Key.Dims.Operation)
                    && Matches(SpendDimension.Outcome, t.Key.Dims.Outcome))
                .Select(t => new Cell(t.Key.Hour, t.Key.Dims.Model, t.Key.Dims.Provider, t.Key.Dims.Feature, t.Key.Dims.Team, t.Key.Dims.Operation, t.Key.Dims.Outcome, t.Key.Type, (long)Math.Round(t.Value)))];
            if (chunk.LastSample is not { } last || last < liveTo.AddMinutes(-StaleMinutes))
            {
                // Nothing reported for a while: exporters down or scrapes failing, not a quiet hour.
                var since = chunk.LastSample is { } l ? $"since {l:yyyy-MM-ddTHH:mm}Z" : "for the open hour";
                warnings.Add($"Prometheus holds no token samples {since}: figures after that are missing, not zero (are the exporters being scraped?).");
                return (cells, liveFrom, true);
            }

            warnings.Add($"Figures since {liveFrom:yyyy-MM-ddTHH:mm}Z are live from Prometheus (the hour is still open).");
            return (cells, liveFrom, false);
        }
        catch (Exception ex) when (ex is PrometheusException or IncompleteAnswerException)
        {
            logger.LogWarning("Live spend unavailable: {Error}", ex.Message);
            warnings.Add($"The open hour could not be read from Prometheus ({ex.Message}); figures after {liveFrom:yyyy-MM-ddTHH:mm}Z are missing, not zero.");
            return ([], liveFrom, true);
        }
    }
}
