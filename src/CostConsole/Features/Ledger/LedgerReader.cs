using CostConsole.Data;
using CostConsole.Prometheus;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Ledger;

/// <summary>
/// The ledger's extent: its first hour and the end of its last closed hour (both null while it is empty), and the end
/// of the last day whose hourly rows retention dropped (null while none were): before it, views read whole UTC days.
/// </summary>
public sealed record LedgerExtent(DateTimeOffset? From, DateTimeOffset? Through, DateTimeOffset? PrunedThrough = null);

/// <summary>What the open hour held when it was read live, or why it could not be read.</summary>
public sealed record OpenHourRead(DateTimeOffset From, DateTimeOffset ReadAt, ChunkTotals? Chunk, Exception? Failure);

/// <summary>
/// Reads the token ledger for the features: cells of any window (daily sums where they are exact, hours elsewhere),
/// the open hour live from Prometheus, and token sums per model. With <see cref="LedgerIngestor"/> (the writer) it is
/// the only code that knows the ledger's tables.
/// </summary>
public sealed class LedgerReader(IDbContextFactory<CostConsoleDbContext> dbFactory, DimensionSets dimensionSets, LedgerIngestor ingestor, TimeProvider time, CostDataVersion dataVersion)
{
    private const long Day = 86_400;

    /// <summary>Seconds one read of the open hour serves every view (the overview alone asks for several).</summary>
    private const int LiveShareSeconds = 10;

    private SharedReading<OpenHourRead>? _live;

    public async Task<LedgerExtent> ExtentAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var last = await db.LedgerHours.MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        var first = await db.LedgerHours.MinAsync(h => (long?)h.HourUnix, cancellationToken);
        var pruned = await db.LedgerHours.Where(h => h.RowsPruned).MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        return new LedgerExtent(
            first is { } f ? DateTimeOffset.FromUnixTimeSeconds(f) : null,
            last is { } l ? DateTimeOffset.FromUnixTimeSeconds(l).AddHours(1) : null,
            pruned is { } p ? DateTimeOffset.FromUnixTimeSeconds(p).AddHours(1) : null);
    }

    /// <summary>The end of the last day whose hourly rows retention dropped, or null while none were.</summary>
    public async Task<DateTimeOffset?> PrunedThroughAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pruned = await db.LedgerHours.Where(h => h.RowsPruned).MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        return pruned is { } p ? DateTimeOffset.FromUnixTimeSeconds(p).AddHours(1) : null;
    }

    /// <summary>
    /// Ingested hours of [from, to) in which some series came back after a gap no restart signal explains (their
    /// target was down or unknown): read without a reset, so they undercount if those processes restarted.
    /// </summary>
    public async Task<int> AmbiguousHoursAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var (fromUnix, toUnix) = (from.ToUnixTimeSeconds(), to.ToUnixTimeSeconds());
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.LedgerHours.CountAsync(h => h.HourUnix >= fromUnix && h.HourUnix < toUnix && h.AmbiguousSeries > 0, cancellationToken);
    }

    /// <summary>
    /// The ledger cells of a window, narrowed by the request's filters (all but team, which ownership decides): daily
    /// sums for whole, ingested days (and the day being ingested, whose row holds its hours so far) in which no price starts (a day's cell is priced at its first hour, which holds all
    /// day), hourly rows for the rest and whenever rows are grouped by hour or by days of another zone.
    /// </summary>
    public Task<IReadOnlyList<LedgerCell>> CellsAsync(SpendRequest request, DateTimeOffset? through, IReadOnlySet<long> priceChangeHours, CancellationToken cancellationToken = default)
    {
        // Views asked together (the overview asks for the month four times, grouped four ways) read the cells once:
        // a read in flight is shared by every request for the same window, filters and time grain, then forgotten.
        var filters = string.Join('\u001e', new[] { SpendDimension.Feature, SpendDimension.Model, SpendDimension.Provider, SpendDimension.Operation, SpendDimension.Outcome, SpendDimension.Variant }
            .Select(d => d + "=" + string.Join('\u001f', request.FilterOf(d).Order(StringComparer.Ordinal))));
        var grain = request.GroupBy.Contains("hour") ? "hour" : request.GroupBy.Contains("day") ? "day|" + request.TimeZone.Id : "span";
        var key = string.Join('|', request.From.ToUnixTimeSeconds(), request.To.ToUnixTimeSeconds(), through?.ToUnixTimeSeconds(), grain, dataVersion.Current,
            priceChangeHours.Count, priceChangeHours.Count == 0 ? 0 : priceChangeHours.Max(), filters);
        lock (_inFlight)
        {
            if (_inFlight.TryGetValue(key, out var shared)) return shared;
            var read = ReadCellsAsync(request, through, priceChangeHours, CancellationToken.None);
            _inFlight[key] = read;
            _ = read.ContinueWith(_ => { lock (_inFlight) _inFlight.Remove(key); }, TaskScheduler.Default);
            return read.WaitAsync(cancellationToken);
        }
    }

    private readonly Dictionary<string, Task<IReadOnlyList<LedgerCell>>> _inFlight = new(StringComparer.Ordinal);

    private async Task<IReadOnlyList<LedgerCell>> ReadCellsAsync(SpendRequest request, DateTimeOffset? through, IEnumerable<long> priceChangeHours, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fromUnix = request.From.ToUnixTimeSeconds();
        var toUnix = request.To.ToUnixTimeSeconds();
        var ingestedUntil = Math.Min(toUnix, through?.ToUnixTimeSeconds() ?? fromUnix);
        var firstDay = (fromUnix + Day - 1) / Day * Day;
        var endDay = ingestedUntil / Day * Day;
        if (through is { } t && ingestedUntil == t.ToUnixTimeSeconds() && ingestedUntil % Day != 0)
        {
            // The day still being ingested has its row too (the hours so far): a window reaching the ledger's end reads it.
            endDay += Day;
        }

        // Daily sums are UTC days; local days in another zone are summed from hours (slower on long windows).
        var localDays = request.GroupBy.Contains("day") && (request.TimeZone.BaseUtcOffset != TimeSpan.Zero || request.TimeZone.SupportsDaylightSavingTime);
        if (!request.GroupBy.Contains("hour") && !request.GroupBy.Contains("day"))
        {
            return await SpanCellsAsync(db, request, fromUnix, toUnix, ingestedUntil, through?.ToUnixTimeSeconds() ?? 0, priceChangeHours, cancellationToken);
        }

        if (request.GroupBy.Contains("hour") || localDays || endDay <= firstDay)
        {
            return await HoursAsync(db, fromUnix, toUnix, request, cancellationToken);
        }

        // Days in which some price starts after midnight: their hours carry different prices.
        var mixedDays = priceChangeHours.Where(h => h % Day != 0).Select(h => h - h % Day).ToHashSet();
        var cells = await ReadAsync(db, Table.Days, firstDay, endDay, request, cancellationToken);
        cells.RemoveAll(c => mixedDays.Contains(c.Hour));
        cells.AddRange(await ReadAsync(db, Table.Hours, fromUnix, firstDay, request, cancellationToken));
        cells.AddRange(await ReadAsync(db, Table.Hours, endDay, toUnix, request, cancellationToken));
        for (var day = firstDay; day < endDay; day += Day)
        {
            if (mixedDays.Contains(day))
            {
                cells.AddRange(await ReadAsync(db, Table.Hours, day, day + Day, request, cancellationToken));
            }
        }

        return cells;
    }

    /// <summary>
    /// Hourly cells of [from, to); days whose hourly rows retention dropped come whole from their daily rows, each
    /// cell at the day's midnight (UTC). The spend query widens a window reaching them to whole days and says so.
    /// </summary>
    private async Task<List<LedgerCell>> HoursAsync(CostConsoleDbContext db, long fromUnix, long toUnix, SpendRequest request, CancellationToken cancellationToken)
    {
        var cells = await ReadAsync(db, Table.Hours, fromUnix, toUnix, request, cancellationToken);
        var pruned = await db.LedgerHours.AsNoTracking().Where(h => h.RowsPruned && h.HourUnix >= fromUnix && h.HourUnix < toUnix)
            .Select(h => h.HourUnix - h.HourUnix % Day).Distinct().OrderBy(d => d).ToListAsync(cancellationToken);
        for (var i = 0; i < pruned.Count;)
        {
            var run = i;
            while (run + 1 < pruned.Count && pruned[run + 1] == pruned[run] + Day) run++;
            cells.AddRange(await ReadAsync(db, Table.Days, pruned[i], pruned[run] + Day, request, cancellationToken));
            i = run + 1;
        }

        return cells;
    }

    /// <summary>
    /// Cells of a view not grouped by time. The window is cut where any price starts; inside each piece every price
    /// holds, so its tokens are read from the coarsest rows that fit — whole months rolled up (<see cref="LedgerMonth"/>),
    /// whole days, and hours at the edges — and all are stamped with the piece's first hour, where they are priced.
    /// A year reads about twelve rows per dimension set and token type instead of 365 (or 8,760).
    /// </summary>
    private async Task<List<LedgerCell>> SpanCellsAsync(CostConsoleDbContext db, SpendRequest request, long fromUnix, long toUnix, long ingestedUntil, long ledgerThrough,
        IEnumerable<long> priceChangeHours, CancellationToken cancellationToken)
    {
        var rollups = await db.LedgerRollups.AsNoTracking().Where(r => r.ThroughDayUnix > fromUnix && r.MonthUnix < toUnix)
            .ToDictionaryAsync(r => r.MonthUnix, r => r.ThroughDayUnix, cancellationToken);
        var bounds = priceChangeHours.Where(h => h > fromUnix && h < toUnix).Append(fromUnix).Append(toUnix).Distinct().Order().ToList();
        List<LedgerCell> cells = [];
        for (var i = 0; i + 1 < bounds.Count; i++)
        {
            var (a, b) = (bounds[i], bounds[i + 1]);
            var firstDay = (a + Day - 1) / Day * Day;
            var daysEnd = Math.Min(b / Day * Day, Math.Max(ingestedUntil, a) / Day * Day);
            if (daysEnd <= firstDay)
            {
                cells.AddRange(await PartHoursAsync(db, a, b, ledgerThrough, request, a, cancellationToken));
                continue;
            }

            cells.AddRange(await PartHoursAsync(db, a, firstDay, ledgerThrough, request, a, cancellationToken));
            cells.AddRange(await PartHoursAsync(db, daysEnd, b, ledgerThrough, request, a, cancellationToken));
            for (var day = firstDay; day < daysEnd;)
            {
                var month = MonthOf(day);
                // A run of whole, rolled-up months is summed by the database in one read: a row per set and type.
                var runEnd = month;
                while (day == month && rollups.TryGetValue(runEnd, out var full) && full == NextMonth(runEnd) && full <= daysEnd)
                {
                    runEnd = full;
                }

                if (runEnd > month)
                {
                    cells.AddRange(await ReadAsync(db, Table.Months, month, runEnd, request, cancellationToken, stamp: a, summed: true));
                    day = runEnd;
                    continue;
                }

                var upTo = Math.Min(NextMonth(month), daysEnd);
                // The month's rollup covers [month, through). When the days of [day, upTo) it holds outnumber the
                // days it holds outside them, read the rollup less those days (prefix sums: exact in integers).
                if (rollups.TryGetValue(month, out var through) && through > day)
                {
                    var covered = Math.Min(through, upTo);
                    var outside = (day - month) + Math.Max(0, through - upTo);
                    if (outside < covered - day)
                    {
                        cells.AddRange(await ReadAsync(db, Table.Months, month, month + 1, request, cancellationToken, stamp: a));
                        cells.AddRange(await ReadAsync(db, Table.Days, month, day, request, cancellationToken, stamp: a, negate: true));
                        cells.AddRange(await ReadAsync(db, Table.Days, upTo, through, request, cancellationToken, stamp: a, negate: true));
                        cells.AddRange(await ReadAsync(db, Table.Days, covered, upTo, request, cancellationToken, stamp: a));
                        day = upTo;
                        continue;
                    }
                }

                cells.AddRange(await ReadAsync(db, Table.Days, day, upTo, request, cancellationToken, stamp: a));
                day = upTo;
            }
        }

        return cells;
    }

    /// <summary>
    /// The hours of [from, to) summed per set and type and stamped, day by day: from the hourly rows, or — when the
    /// day's row holds more of these hours than it holds outside them — from the day's row less the hours outside
    /// (integers: exact). A day's row sums every hour of it ingested so far, so the day still being ingested (today)
    /// reads one row per set instead of an hour's rows times the hours gone.
    /// </summary>
    private async Task<List<LedgerCell>> PartHoursAsync(CostConsoleDbContext db, long fromUnix, long toUnix, long ledgerThrough, SpendRequest request, long stamp, CancellationToken cancellationToken)
    {
        List<LedgerCell> cells = [];
        for (var from = fromUnix; from < toUnix;)
        {
            var day = from - from % Day;
            var to = Math.Min(toUnix, day + Day);
            // The day's row covers [day, covered); hours past it are not in the ledger.
            var covered = Math.Min(day + Day, ledgerThrough);
            var inside = Math.Min(to, covered) - from;
            var outside = (from - day) + Math.Max(0, covered - to);
            if (inside > 0 && outside < inside)
            {
                cells.AddRange(await ReadAsync(db, Table.Days, day, day + 1, request, cancellationToken, stamp: stamp));
                cells.AddRange(await ReadAsync(db, Table.Hours, day, from, request, cancellationToken, stamp: stamp, negate: true));
                cells.AddRange(await ReadAsync(db, Table.Hours, to, covered, request, cancellationToken, stamp: stamp, negate: true));
            }
            else
            {
                cells.AddRange(await ReadAsync(db, Table.Hours, from, to, request, cancellationToken, stamp: stamp));
            }

            from = to;
        }

        return cells;
    }

    internal static long MonthOf(long unix)
    {
        var date = DateTimeOffset.FromUnixTimeSeconds(unix);
        return new DateTimeOffset(date.Year, date.Month, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
    }

    internal static long NextMonth(long monthUnix) => DateTimeOffset.FromUnixTimeSeconds(monthUnix).AddMonths(1).ToUnixTimeSeconds();

    /// <summary>Every model in the ledger with its tokens by type (requests left out).</summary>
    public async Task<IReadOnlyList<(string Model, TokenType Type, long Tokens)>> TokensByModelAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sums = await db.LedgerDays.AsNoTracking()
            .Where(d => d.TokenType != TokenType.Requests)
            .Join(db.LedgerSets, d => d.SetId, s => s.Id, (d, s) => new { s.Model, d.TokenType, d.Tokens })
            .GroupBy(d => new { d.Model, d.TokenType })
            .Select(g => new { g.Key.Model, g.Key.TokenType, Tokens = g.Sum(d => d.Tokens) })
            .ToListAsync(cancellationToken);
        return [.. sums.Select(s => (s.Model, s.TokenType, s.Tokens))];
    }

    /// <summary>
    /// The open hour's deltas, read from Prometheus once for every view asking within a few seconds (a failure is
    /// shared too, so a Prometheus that is down is not asked once per view).
    /// </summary>
    public async Task<OpenHourRead> OpenHourAsync(DateTimeOffset liveFrom, DateTimeOffset liveTo, CancellationToken cancellationToken = default)
    {
        _live ??= new SharedReading<OpenHourRead>(time, TimeSpan.FromSeconds(LiveShareSeconds), r => r.ReadAt);
        async Task<OpenHourRead> Read(CancellationToken token)
        {
            try
            {
                return new OpenHourRead(liveFrom, time.GetUtcNow(), await ingestor.ReadChunkAsync(liveFrom, liveTo, token), null);
            }
            catch (Exception ex) when (ex is PrometheusException or IncompleteAnswerException)
            {
                return new OpenHourRead(liveFrom, time.GetUtcNow(), null, ex);
            }
        }

        var read = await _live.GetAsync(Read, cancellationToken: cancellationToken);
        if (read.From != liveFrom)
        {
            read = await _live.GetAsync(Read, refresh: true, cancellationToken);
        }

        return read;
    }

    private enum Table { Hours, Days, Months }

    /// <summary>
    /// A plain reader over the (time, dimensions, type) index: the hot path of every spend view. With
    /// <paramref name="stamp"/>, every cell carries that hour instead of its own (a span priced as one).
    /// </summary>
    private async Task<List<LedgerCell>> ReadAsync(CostConsoleDbContext db, Table table, long fromUnix, long toUnix, SpendRequest request, CancellationToken cancellationToken, long? stamp = null, bool negate = false, bool summed = false)
    {
        if (toUnix <= fromUnix)
        {
            return [];
        }

        var (name, timeColumn) = table switch
        {
            Table.Days => ("LedgerDays", "DayUnix"),
            Table.Months => ("LedgerMonths", "MonthUnix"),
            _ => ("LedgerTokens", "HourUnix"),
        };
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // A stamped read of more than one hour or day is summed by the database: one row per set and type per span
        // (the caller stamps it with one hour).
        summed |= stamp is not null && table != Table.Months && toUnix - fromUnix > (table == Table.Days ? Day : 3600);
        // Identifiers are quoted and parameters named with @: the same statement on SQLite and PostgreSQL (where a sum
        // of bigints is numeric, hence the cast).
        var (time, tokens) = summed ? ($"MIN(\"{timeColumn}\")", "CAST(SUM(\"Tokens\") AS BIGINT)") : ($"\"{timeColumn}\"", "\"Tokens\"");
        var sql = new System.Text.StringBuilder($"SELECT {time}, \"SetId\", \"TokenType\", {tokens} FROM \"{name}\" WHERE \"{timeColumn}\" >= @from AND \"{timeColumn}\" < @to");
        void Parameter(string parameterName, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = parameterName;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        // Filters pick the dimension sets first (a small table); filter values are always parameters: label values are
        // data, never SQL.
        List<string> conditions = [];
        void In(string column, IReadOnlyList<string> values)
        {
            if (values.Count == 0) return;
            var names = values.Select((v, i) => $"@{column}{i}").ToList();
            conditions.Add($"\"{column}\" IN ({string.Join(",", names)})");
            for (var i = 0; i < values.Count; i++) Parameter(names[i], values[i]);
        }

        Parameter("@from", fromUnix);
        Parameter("@to", toUnix);
        In("Feature", request.FilterOf(SpendDimension.Feature));
        In("Model", request.FilterOf(SpendDimension.Model));
        In("Provider", request.FilterOf(SpendDimension.Provider));
        In("Operation", request.FilterOf(SpendDimension.Operation));
        In("Outcome", request.FilterOf(SpendDimension.Outcome));
        In("Variant", request.FilterOf(SpendDimension.Variant));
        if (conditions.Count > 0)
        {
            sql.Append($" AND \"SetId\" IN (SELECT \"Id\" FROM \"LedgerSets\" WHERE {string.Join(" AND ", conditions)})");
        }

        if (summed)
        {
            sql.Append(" GROUP BY \"SetId\", \"TokenType\"");
        }

        command.CommandText = sql.ToString();
        List<(long Time, long Set, TokenType Type, long Tokens)> rows = [];
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((stamp ?? reader.GetInt64(0), reader.GetInt64(1), (TokenType)reader.GetInt32(2), negate ? -reader.GetInt64(3) : reader.GetInt64(3)));
            }
        }

        var setOf = await dimensionSets.ResolverAsync(rows.Select(r => r.Set), cancellationToken);
        return rows.ConvertAll(r => new LedgerCell(r.Time, setOf(r.Set), r.Type, r.Tokens));
    }
}
