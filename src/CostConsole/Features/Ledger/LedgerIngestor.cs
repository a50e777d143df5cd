using System.Globalization;
using CostConsole.Core.Pricing;
using CostConsole.Data;
using CostConsole.Features.Metrics;
using CostConsole.Prometheus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Ledger;

/// <summary>
/// Fills the token ledger from raw samples: chunk by chunk of closed hours, oldest first, each chunk written in one
/// transaction that replaces whatever those hours held. A chunk that fails or comes back partial is retried and never
/// recorded as complete.
/// </summary>
public sealed class LedgerIngestor(
    PrometheusClient client,
    IDbContextFactory<CostConsoleDbContext> dbFactory,
    DimensionSets dimensionSets,
    IPriceSource prices,
    IOptions<LedgerOptions> ledgerOptions,
    IOptions<PrometheusOptions> prometheusOptions,
    LedgerStatus status,
    CostDataVersion dataVersion,
    TimeProvider time,
    ILogger<LedgerIngestor> logger)
{
    private readonly SemaphoreSlim _single = new(1, 1);

    /// <summary>Raw samples read by the last <see cref="SyncAsync"/> (for throughput figures).</summary>
    public long LastSyncSamples { get; private set; }

    private MetricProfile Profile => prometheusOptions.Value.ActiveProfile();

    /// <summary>The first hour not yet in the ledger: after the last ingested hour, or where backfill starts.</summary>
    public async Task<DateTimeOffset> NextHourAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var last = await db.LedgerHours.MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        if (last is { } hour)
        {
            return DateTimeOffset.FromUnixTimeSeconds(hour).AddHours(1);
        }

        var options = ledgerOptions.Value;
        if (options.BackfillFrom is { } configured)
        {
            return configured;
        }

        var earliest = RangeWindow.Floor(time.GetUtcNow(), TimeSpan.FromHours(1)).AddDays(-options.BackfillDays);
        return await OldestDataHourAsync(earliest, cancellationToken) ?? earliest;
    }

    /// <summary>
    /// The hour of the oldest input-token sample Prometheus holds after <paramref name="earliest"/>, so a first
    /// backfill starts where the data does. Null when it cannot tell (then backfill starts at the earliest hour).
    /// </summary>
    private async Task<DateTimeOffset?> OldestDataHourAsync(DateTimeOffset earliest, CancellationToken cancellationToken)
    {
        var input = Profile.Tokens[TokenType.Input];
        try
        {
            var window = RangeWindow.Create(earliest, time.GetUtcNow(), TimeSpan.FromHours(1));
            DateTimeOffset? first = null;
            foreach (var name in input.Names)
            {
                var selector = PromQl.Selector(name, input.Matchers.Select(m => LabelMatcher.Equal(m.Key, m.Value)));
                var answer = await client.QueryRangeAsync($"count({selector})", window, cancellationToken);
                var found = answer.Data.Series.SelectMany(s => s.Samples).Select(s => (DateTimeOffset?)s.Time).Min();
                if (found is not null && (first is null || found < first)) first = found;
            }

            // A step at hour H sees samples from just before H: the data begins in the hour before it.
            return first is { } t ? (t.AddHours(-1) > earliest ? t.AddHours(-1) : earliest) : null;
        }
        catch (PrometheusException ex)
        {
            logger.LogWarning("Could not find where Prometheus' data begins ({Error}); backfilling from {Earliest:u}", ex.Message, earliest);
            return null;
        }
    }

    public async Task<DateTimeOffset?> ThroughAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var last = await db.LedgerHours.MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        return last is { } hour ? DateTimeOffset.FromUnixTimeSeconds(hour).AddHours(1) : null;
    }

    /// <summary>Ingests every closed hour from the next missing one up to <paramref name="until"/> (exclusive, floored to the hour).</summary>
    public async Task<int> SyncAsync(DateTimeOffset until, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        await _single.WaitAsync(cancellationToken);
        try
        {
            var end = RangeWindow.Floor(until, TimeSpan.FromHours(1));
            // An hour closes only once late samples have had time to arrive (Ledger:SettleSeconds).
            var closed = RangeWindow.Floor(time.GetUtcNow() - TimeSpan.FromSeconds(ledgerOptions.Value.SettleSeconds), TimeSpan.FromHours(1));
            if (end > closed)
            {
                end = closed; // the open hour is never recorded
            }

            var from = await NextHourAsync(cancellationToken);
            var total = (int)Math.Max(0, (end - from).TotalHours);
            if (total == 0)
            {
                await RereadAsync(cancellationToken);
                await RollUpAsync(cancellationToken);
                await PruneAsync(cancellationToken);
                status.Finished(await ThroughAsync(cancellationToken));
                return 0;
            }

            lock (_knownGate) _knownValues = null; // read afresh: another process may have written since
            status.Started(from, end, total);
            logger.LogInformation("Ledger catching up {Hours} hours from {From:u} to {Until:u}", total, from, end);
            var done = 0;
            LastSyncSamples = 0;
            var chunk = TimeSpan.FromHours(ledgerOptions.Value.ChunkHours);
            for (var chunkFrom = from; chunkFrom < end; chunkFrom += chunk)
            {
                var chunkTo = chunkFrom + chunk < end ? chunkFrom + chunk : end;
                await IngestWithRetriesAsync(chunkFrom, chunkTo, cancellationToken);
                done += (int)(chunkTo - chunkFrom).TotalHours;
                status.SampleMemory();
                status.Advanced(chunkTo, done, time.GetUtcNow());
                progress?.Report((done, total));
            }

            await RereadAsync(cancellationToken);
            await RollUpAsync(cancellationToken);
            await PruneAsync(cancellationToken);
            status.Finished(end);
            logger.LogInformation("Ingested {Hours} hours up to {Until:u}", done, end);
            return done;
        }
        catch (Exception ex) when (ex is PrometheusException or IncompleteAnswerException)
        {
            status.Failed(ex.Message);
            throw;
        }
        finally
        {
            _single.Release();
        }
    }

    private async Task IngestWithRetriesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var attempts = ledgerOptions.Value.RetryAttempts;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await IngestChunkAsync(from, to, cancellationToken);
                return;
            }
            catch (Exception ex) when (attempt < attempts && ex is IncompleteAnswerException or PrometheusException { Failure: PrometheusFailure.Timeout or PrometheusFailure.Unavailable or PrometheusFailure.Unreachable or PrometheusFailure.Internal or PrometheusFailure.Canceled })
            {
                var delay = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
                logger.LogWarning("Ledger hours {From:u}–{To:u} failed ({Error}); attempt {Attempt} of {Attempts} in {Delay}", from, to, ex.Message, attempt + 1, attempts, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    /// <summary>Reads the raw samples of [from, to) plus a baseline lookback and replaces those hours in the ledger.</summary>
    public async Task IngestChunkAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var chunk = await ReadChunkAsync(from, to, carryBaselines: true, cancellationToken);
        LastSyncSamples += chunk.Samples;
        await WriteAsync(from, to, chunk, Profile.Name, cancellationToken);
        Remember(chunk.Totals.Keys.Select(k => k.Dims));
    }

    /// <summary>Exact token deltas per hour, dimension set and token type for [from, to), read from raw samples.</summary>
    public Task<ChunkTotals> ReadChunkAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        ReadChunkAsync(from, to, carryBaselines: false, cancellationToken);

    /// <summary>
    /// The last sample of every series read by the previous chunk, kept so the next chunk (starting where it ended)
    /// reads only its own hours instead of its hours plus the baseline look-back: each raw sample is read once.
    /// </summary>
    private sealed record Baselines(DateTimeOffset End, Dictionary<string, CounterSample> Last);

    private Baselines? _baselines;

    /// <summary>Parts the last chunk's token reads were split into (1 per metric name when nothing was too large).</summary>
    public int LastChunkParts { get; private set; }

    private async Task<ChunkTotals> ReadChunkAsync(DateTimeOffset from, DateTimeOffset to, bool carryBaselines, CancellationToken cancellationToken)
    {
        var profile = Profile;
        var lookback = TimeSpan.FromMinutes(ledgerOptions.Value.BaselineLookbackMinutes);
        // Evaluated a millisecond before `to`, the range selector holds exactly the samples before the chunk's end.
        var at = to.AddMilliseconds(-1);
        var range = $"[{(long)(to - from + lookback).TotalMilliseconds}ms]";
        // Carried baselines cover [from - lookback, from) because the previous read did; only [from, to) is read.
        Baselines? carried = null;
        if (carryBaselines)
        {
            lock (_knownGate) carried = _baselines is { } b && b.End == from ? b : null;
        }

        var tokenRange = carried is null ? range : $"[{(long)(to - from).TotalMilliseconds}ms]";
        var nextBaselines = carryBaselines ? new Dictionary<string, CounterSample>(carried?.Last.Count ?? 0) : null;
        var parts = 0;

        var restarts = await RestartSignalsAsync(profile, range, at, cancellationToken);
        var guard = await GuardAsync(cancellationToken);
        var totals = new Dictionary<(long Hour, Dimensions Dims, TokenType Type), double>();
        var ambiguous = new Dictionary<long, int>();
        var seriesCount = 0;
        long sampleCount = 0;
        DateTimeOffset? lastSample = null;
        foreach (var (type, metric, name) in profile.LedgerCounters.SelectMany(c => c.Metric.Names.Select(name => (c.Type, c.Metric, name))))
        {
            parts += await ReadInPartsAsync(name, [.. metric.Matchers.Select(m => LabelMatcher.Equal(m.Key, m.Value))], tokenRange, at, series =>
            {
                seriesCount++;
                sampleCount += series.Samples.Count;
                IReadOnlyList<CounterSample> samples = series.Samples;
                if (nextBaselines is not null)
                {
                    var key = SeriesKey(series.Labels);
                    if (carried is not null && carried.Last.TryGetValue(key, out var baseline) && baseline.Time >= from - lookback)
                    {
                        samples = [baseline, .. series.Samples];
                    }

                    if (samples.Count > 0) nextBaselines[key] = samples[^1];
                }

                if (type is not (TokenType.Requests or TokenType.GatewayCost) && samples.Count > 0 && (lastSample is null || samples[^1].Time > lastSample))
                {
                    lastSample = samples[^1].Time;
                }

                var instance = series.Label(profile.InstanceLabel) ?? "";
                var (byHour, issues) = CounterDeltas.Hourly(samples, from, to, restarts.GetValueOrDefault(TargetOf(series.Labels, profile), RestartSignals.None));
                foreach (var hour in issues.AmbiguousHours)
                {
                    ambiguous[hour] = ambiguous.GetValueOrDefault(hour) + 1;
                }

                if (issues.NaNSamples + issues.NegativeSamples > 0)
                {
                    logger.LogWarning("Skipped {NaN} NaN, infinite or over-2^53 and {Negative} negative samples of {Metric} on {Instance}", issues.NaNSamples, issues.NegativeSamples, name, LogText.Safe(instance));
                }

                var dims = guard.Apply(Dimensions.From(series.Labels, profile));
                // A gateway's USD counter is kept in millionths of a dollar, whole like a token count.
                var scale = type == TokenType.GatewayCost ? 1_000_000d : 1d;
                foreach (var (hour, delta) in byHour)
                {
                    var key = (hour, dims, type);
                    totals[key] = totals.GetValueOrDefault(key) + delta * scale;
                }
            }, cancellationToken);
        }

        if (nextBaselines is not null)
        {
            // Series that sent nothing this chunk keep their older baseline while it is inside the look-back.
            if (carried is not null)
            {
                foreach (var (key, sample) in carried.Last)
                {
                    if (sample.Time >= to - lookback) nextBaselines.TryAdd(key, sample);
                }
            }

            lock (_knownGate) _baselines = new Baselines(to, nextBaselines);
        }

        LastChunkParts = parts;

        foreach (var (dimension, values) in guard.Folded)
        {
            logger.LogWarning("The {Dimension} dimension holds its cap of {Cap} values: {Count} more are counted under {Other}", dimension, ledgerOptions.Value.MaxValuesPerDimension, values.Count, DimensionGuard.Other);
        }

        status.Guarded(guard.Folded.ToDictionary(f => f.Key, f => f.Value.Count), guard.Cut);
        return new ChunkTotals(totals, seriesCount, sampleCount) { LastSample = lastSample, AmbiguousSeries = ambiguous };
    }

    /// <summary>A series' identity across chunks: its metric name and every label, in order.</summary>
    private static string SeriesKey(IReadOnlyDictionary<string, string> labels) =>
        string.Join('\u0001', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "\u0002" + l.Value));

    /// <summary>
    /// Reads <c>metric{matchers}[range]</c> and hands each series to <paramref name="take"/>. An answer over
    /// Prometheus:MaxAnswerMegabytes or MaxAnswerSeries is abandoned by the client; the read is then split by a label's
    /// values into parts sized from how far the abandoned answer got, each read the same way (and split again if need
    /// be). Every series lands in exactly one part, so the sum is the same as one read. Returns the parts read.
    /// </summary>
    private async Task<int> ReadInPartsAsync(string metric, IReadOnlyList<LabelMatcher> matchers, string range, DateTimeOffset at, Action<PromSeries> take, CancellationToken cancellationToken)
    {
        PromResponse<PromQueryData> answer;
        try
        {
            answer = Complete(await client.QueryAsync(PromQl.Selector(metric, matchers) + range, at, cancellationToken), metric);
        }
        catch (PrometheusException ex) when (ex.Failure == PrometheusFailure.TooLarge)
        {
            var split = await SplitAsync(metric, matchers, range, at, ex.SeriesRead, cancellationToken)
                ?? throw new PrometheusException(PrometheusFailure.TooLarge,
                    $"{ex.Message} It cannot be split further (every label of the series read has one value): raise Prometheus:MaxAnswerMegabytes or lower Ledger:ChunkHours.");
            logger.LogInformation("Reading {Metric} in {Parts} parts by {Label}: {Reason}", metric, split.Parts.Count, LogText.Safe(split.Label), ex.Message);
            status.Split(metric, split.Parts.Count, split.Label, time.GetUtcNow());
            var read = 0;
            foreach (var part in split.Parts)
            {
                read += await ReadInPartsAsync(metric, [.. matchers, part], range, at, take, cancellationToken);
            }

            return read;
        }

        foreach (var series in answer.Data.Series)
        {
            take(series);
        }

        return 1;
    }

    /// <summary>
    /// Splits a read by the first label (the instance label first, then the others by name) with more than one value
    /// among its series, into parts of about equal series counts: a regex matcher of exact, escaped values per part
    /// (the empty value stands for series without the label). Null when no label tells the series apart.
    /// </summary>
    private async Task<(string Label, List<LabelMatcher> Parts)?> SplitAsync(string metric, IReadOnlyList<LabelMatcher> matchers, string range, DateTimeOffset at, long seriesRead, CancellationToken cancellationToken)
    {
        var selector = PromQl.Selector(metric, matchers);
        var window = TimeSpan.FromMilliseconds(long.Parse(range.AsSpan(1, range.Length - 4), CultureInfo.InvariantCulture));
        var names = (await client.LabelNamesAsync([selector], at - window, at, cancellationToken)).Data;
        var candidates = names.Where(n => n != "__name__").OrderBy(n => n == Profile.InstanceLabel ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal);
        foreach (var label in candidates)
        {
            var by = PromQl.IsClassicLabelName(label) ? label : PromQl.Quote(label);
            List<(string Value, long Count)> counts;
            try
            {
                counts = [.. Complete(await client.QueryAsync($"count by ({by}) (last_over_time({selector}{range}))", at, cancellationToken), metric)
                    .Data.Series.Select(s => (Value: s.Label(label) ?? "", Count: s.Samples.Count > 0 ? (long)s.Samples[0].Value : 0))];
            }
            catch (PrometheusException ex) when (ex.Failure == PrometheusFailure.TooLarge)
            {
                continue; // more values than an answer may hold: another label splits better
            }

            if (counts.Count < 2) continue;

            // Parts of about as many series as the abandoned answer got through, with room to spare; at least two.
            var total = counts.Sum(c => c.Count);
            var perPart = Math.Max(1, seriesRead * 3 / 4);
            var partCount = (int)Math.Clamp((total + perPart - 1) / perPart, 2, counts.Count);
            var bins = Enumerable.Range(0, partCount).Select(_ => (Sum: 0L, Values: new List<string>())).ToArray();
            foreach (var (value, count) in counts.OrderByDescending(c => c.Count).ThenBy(c => c.Value, StringComparer.Ordinal))
            {
                var smallest = 0;
                for (var i = 1; i < bins.Length; i++)
                {
                    if (bins[i].Sum < bins[smallest].Sum) smallest = i;
                }

                bins[smallest].Values.Add(value);
                bins[smallest].Sum += count;
            }

            return (label, [.. bins.Where(b => b.Values.Count > 0).Select(b => LabelMatcher.Regex(label, string.Join('|', b.Values.Select(PromQl.EscapeRegex))))]);
        }

        return null;
    }

    private Dictionary<string, HashSet<string>>? _knownValues;
    private readonly Lock _knownGate = new();

    /// <summary>
    /// A guard over the values the ledger holds per dimension (read once per sync, then kept up to date as chunks are
    /// written): long values are cut, and a full dimension counts new values under "(other)" (Ledger:MaxValuesPerDimension).
    /// </summary>
    private async Task<DimensionGuard> GuardAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, HashSet<string>>? known;
        lock (_knownGate) known = _knownValues;
        if (known is null)
        {
            known = await dimensionSets.ValuesAsync(cancellationToken);
            lock (_knownGate) _knownValues ??= known;
        }

        Dictionary<string, IEnumerable<string>> snapshot;
        lock (_knownGate) snapshot = _knownValues!.ToDictionary(k => k.Key, k => (IEnumerable<string>)k.Value.ToList());
        var options = ledgerOptions.Value;
        return new DimensionGuard(options.MaxLabelLength, options.MaxValuesPerDimension, snapshot);
    }

    /// <summary>Values just written join the known ones, so the next chunk's guard counts them as held.</summary>
    private void Remember(IEnumerable<Dimensions> written)
    {
        lock (_knownGate)
        {
            if (_knownValues is null) return;
            foreach (var d in written)
            {
                _knownValues["model"].Add(d.Model);
                _knownValues["provider"].Add(d.Provider);
                _knownValues["feature"].Add(d.Feature);
                _knownValues["team"].Add(d.Team);
                _knownValues["operation"].Add(d.Operation);
                _knownValues["outcome"].Add(d.Outcome);
                _knownValues["variant"].Add(d.Variant);
            }
        }
    }

    /// <summary>The metrics Prometheus itself or the OTel exporters keep per target, read as restart signals.</summary>
    public const string UpMetric = "up", TargetInfoMetric = "target_info", InstanceIdLabel = "service_instance_id";

    private static (string Job, string Instance) TargetOf(IReadOnlyDictionary<string, string> labels, MetricProfile profile) =>
        (labels.GetValueOrDefault("job") ?? "", labels.GetValueOrDefault(profile.InstanceLabel) ?? "");

    /// <summary>
    /// Per target (job and instance): its start times, its OTel instance ids and its up samples over the chunk and its
    /// lookback — every restart signal Prometheus holds (<see cref="RestartSignals"/>).
    /// </summary>
    private async Task<Dictionary<(string Job, string Instance), RestartSignals>> RestartSignalsAsync(MetricProfile profile, string range, DateTimeOffset at, CancellationToken cancellationToken)
    {
        async Task<ILookup<(string, string), PromSeries>> Read(string metric) =>
            Complete(await client.QueryAsync(PromQl.Selector(metric) + range, at, cancellationToken), metric)
                .Data.Series.ToLookup(s => TargetOf(s.Labels, profile));

        var starts = profile.RestartMetric is { } restartMetric ? await Read(restartMetric) : Enumerable.Empty<PromSeries>().ToLookup(s => ("", ""));
        var infos = await Read(TargetInfoMetric);
        var ups = await Read(UpMetric);
        return starts.Select(g => g.Key).Concat(infos.Select(g => g.Key)).Concat(ups.Select(g => g.Key)).Distinct().ToDictionary(
            target => target,
            target => new RestartSignals(
                starts[target].SelectMany(s => s.Samples),
                infos[target].SelectMany(s => s.Samples.Select(sample => (sample.Time, s.Label(InstanceIdLabel) ?? ""))),
                ups[target].SelectMany(s => s.Samples)));
    }

    private static PromResponse<PromQueryData> Complete(PromResponse<PromQueryData> answer, string metric) =>
        answer.IsComplete
            ? answer
            : throw new IncompleteAnswerException($"Prometheus answered {metric} with warnings ({string.Join("; ", answer.Warnings)}); the hours are not recorded and will be read again.");

    /// <summary>
    /// Reads the newest closed hours once more, once they have settled after ingestion (Ledger:RereadHours,
    /// RereadAfterSeconds): samples that arrived after the hour was read are taken in, the hours rewritten in one
    /// transaction, and the correction kept on the hour and reported. Reading again changes nothing a second time.
    /// </summary>
    private async Task RereadAsync(CancellationToken cancellationToken)
    {
        var options = ledgerOptions.Value;
        if (options.RereadHours == 0) return;
        var now = time.GetUtcNow();
        var due = now.AddSeconds(-options.RereadAfterSeconds);
        List<LedgerHour> hours;
        Dictionary<(long Hour, Dimensions Dims, TokenType Type), long> stored;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var last = await db.LedgerHours.MaxAsync(h => (long?)h.HourUnix, cancellationToken);
            if (last is null) return;
            var first = last.Value - (options.RereadHours - 1) * 3600L;
            hours = await db.LedgerHours.AsNoTracking().Where(h => h.HourUnix >= first && h.RereadUtc == null).OrderBy(h => h.HourUnix).ToListAsync(cancellationToken);
            hours = [.. hours.Where(h => h.IngestedUtc <= due)];
            // One run of consecutive hours, so the rewrite touches no hour outside it.
            hours = [.. hours.TakeWhile((h, i) => h.HourUnix == hours[0].HourUnix + i * 3600L)];
            if (hours.Count == 0) return;
            var (fromUnix, toUnix) = (hours[0].HourUnix, hours[^1].HourUnix + 3600);
            var rows = await db.LedgerEntries.AsNoTracking().Where(e => e.HourUnix >= fromUnix && e.HourUnix < toUnix).ToListAsync(cancellationToken);
            var setOf = await dimensionSets.ResolverAsync(rows.Select(e => e.SetId), cancellationToken);
            stored = rows.ToDictionary(e => (e.HourUnix, setOf(e.SetId), e.TokenType), e => e.Tokens);
        }

        var from = DateTimeOffset.FromUnixTimeSeconds(hours[0].HourUnix);
        var to = DateTimeOffset.FromUnixTimeSeconds(hours[^1].HourUnix + 3600);
        var chunk = await ReadChunkAsync(from, to, cancellationToken);
        var fresh = chunk.Totals.ToDictionary(t => t.Key, t => (long)Math.Round(t.Value));
        var corrections = fresh.Keys.Concat(stored.Keys).Distinct()
            .Select(k => (k.Hour, Change: Math.Abs(fresh.GetValueOrDefault(k) - stored.GetValueOrDefault(k))))
            .Where(c => c.Change != 0)
            .GroupBy(c => c.Hour).ToDictionary(g => g.Key, g => g.Sum(c => c.Change));
        var previous = hours.ToDictionary(h => h.HourUnix, h => h.CorrectedTokens);
        await WriteAsync(from, to, chunk, Profile.Name, cancellationToken, rereadAt: now,
            corrections: hours.ToDictionary(h => h.HourUnix, h => previous[h.HourUnix] + corrections.GetValueOrDefault(h.HourUnix)));
        foreach (var (hour, change) in corrections)
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(hour);
            logger.LogInformation("Ledger hour {Hour:u} re-read: late samples changed {Tokens} tokens", at, change);
            status.Corrected(at, change, now);
        }
    }

    /// <summary>
    /// Sums the daily rows of every month whose rollup is missing or behind (a month written again lost its rollup in
    /// that write's transaction) into <see cref="LedgerMonth"/> rows, over the whole days ingested so far, one month
    /// per transaction. Long windows then read a row per month.
    /// </summary>
    private async Task RollUpAsync(CancellationToken cancellationToken)
    {
        const long day = 86_400;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var first = await db.LedgerDays.MinAsync(d => (long?)d.DayUnix, cancellationToken);
        var last = await db.LedgerHours.MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        if (first is null || last is null) return;
        var wholeDaysEnd = (last.Value + 3600) / day * day;
        var done = await db.LedgerRollups.AsNoTracking().ToDictionaryAsync(r => r.MonthUnix, r => r.ThroughDayUnix, cancellationToken);
        for (var month = LedgerReader.MonthOf(first.Value); month < wholeDaysEnd; month = LedgerReader.NextMonth(month))
        {
            var through = Math.Min(LedgerReader.NextMonth(month), wholeDaysEnd);
            if (done.GetValueOrDefault(month) == through) continue;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.LedgerMonths.Where(m => m.MonthUnix == month).ExecuteDeleteAsync(cancellationToken);
            await db.LedgerRollups.Where(r => r.MonthUnix == month).ExecuteDeleteAsync(cancellationToken);
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO "LedgerMonths" ("MonthUnix", "SetId", "TokenType", "Tokens")
                SELECT {month}, "SetId", "TokenType", SUM("Tokens")
                FROM "LedgerDays" WHERE "DayUnix" >= {month} AND "DayUnix" < {through}
                GROUP BY "SetId", "TokenType"
                """, cancellationToken);
            db.LedgerRollups.Add(new LedgerRollup { MonthUnix = month, ThroughDayUnix = through });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>
    /// Drops the hourly rows of whole UTC days older than Ledger:HourlyRetentionDays behind the newest ingested day,
    /// one day per transaction, marking their hours pruned in the same one. The day's rows (already summed from those
    /// hours) stay exact; a day in which some price starts after midnight keeps its hours, since they are priced apart.
    /// Ingestion only moves forward (re-reads touch the newest hours), so a pruned day is never summed again.
    /// </summary>
    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        const long day = 86_400;
        var keep = ledgerOptions.Value.HourlyRetentionDays;
        if (keep == 0) return;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var last = await db.LedgerHours.MaxAsync(h => (long?)h.HourUnix, cancellationToken);
        if (last is null) return;
        var cutoff = last.Value / day * day - keep * day;
        var pricedApart = (await prices.LoadAsync(cancellationToken)).ChangeHoursUnix.Where(h => h % day != 0).Select(h => h - h % day).ToHashSet();
        var due = await db.LedgerHours.Where(h => h.HourUnix < cutoff && !h.RowsPruned).Select(h => h.HourUnix - h.HourUnix % day).Distinct().OrderBy(d => d).ToListAsync(cancellationToken);
        foreach (var first in due.Where(d => !pricedApart.Contains(d)))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.LedgerEntries.Where(e => e.HourUnix >= first && e.HourUnix < first + day).ExecuteDeleteAsync(cancellationToken);
            await db.LedgerHours.Where(h => h.HourUnix >= first && h.HourUnix < first + day).ExecuteUpdateAsync(h => h.SetProperty(x => x.RowsPruned, true), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (due.Count > 0)
        {
            logger.LogInformation("Ledger retention: hourly rows of {Days} days before {Cutoff:u} dropped (their daily sums kept)", due.Count(d => !pricedApart.Contains(d)), DateTimeOffset.FromUnixTimeSeconds(cutoff));
            dataVersion.Bump();
        }
    }

    private async Task WriteAsync(DateTimeOffset from, DateTimeOffset to, ChunkTotals chunk, string profile, CancellationToken cancellationToken,
        DateTimeOffset? rereadAt = null, IReadOnlyDictionary<long, long>? corrections = null)
    {
        var (totals, series, samples) = (chunk.Totals, chunk.Series, chunk.Samples);
        var fromUnix = from.ToUnixTimeSeconds();
        var toUnix = to.ToUnixTimeSeconds();
        var keys = await dimensionSets.KeysAsync(totals.Keys.Select(k => k.Dims), cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LedgerEntries.Where(e => e.HourUnix >= fromUnix && e.HourUnix < toUnix).ExecuteDeleteAsync(cancellationToken);
        await db.LedgerHours.Where(h => h.HourUnix >= fromUnix && h.HourUnix < toUnix).ExecuteDeleteAsync(cancellationToken);
        db.LedgerEntries.AddRange(totals.Select(t => new LedgerEntry
        {
            HourUnix = t.Key.Hour,
            SetId = keys[t.Key.Dims],
            TokenType = t.Key.Type,
            // Counter values are whole token counts; the sum of float deltas is rounded back to one.
            Tokens = (long)Math.Round(t.Value),
        }));
        var now = time.GetUtcNow();
        for (var hour = fromUnix; hour < toUnix; hour += 3600)
        {
            db.LedgerHours.Add(new LedgerHour
            {
                HourUnix = hour, IngestedUtc = now, Series = series, Samples = samples, Profile = profile, AmbiguousSeries = chunk.AmbiguousSeries.GetValueOrDefault(hour),
                RereadUtc = rereadAt, CorrectedTokens = corrections?.GetValueOrDefault(hour) ?? 0,
            });
        }

        await db.SaveChangesAsync(cancellationToken);

        // Re-sum the days this chunk touched, in the same transaction.
        var firstDay = fromUnix - fromUnix % 86400;
        var lastDay = (toUnix - 1) - (toUnix - 1) % 86400;
        // The months these days belong to are rolled up again after the sync; until then they are read from days.
        var (firstMonth, lastMonth) = (LedgerReader.MonthOf(firstDay), LedgerReader.MonthOf(lastDay));
        await db.LedgerRollups.Where(r => r.MonthUnix >= firstMonth && r.MonthUnix <= lastMonth).ExecuteDeleteAsync(cancellationToken);
        await db.LedgerDays.Where(d => d.DayUnix >= firstDay && d.DayUnix <= lastDay).ExecuteDeleteAsync(cancellationToken);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO "LedgerDays" ("DayUnix", "SetId", "TokenType", "Tokens")
            SELECT "HourUnix" - "HourUnix" % 86400, "SetId", "TokenType", SUM("Tokens")
            FROM "LedgerTokens" WHERE "HourUnix" >= {firstDay} AND "HourUnix" < {lastDay + 86400}
            GROUP BY "HourUnix" - "HourUnix" % 86400, "SetId", "TokenType"
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        dataVersion.Bump();
        logger.LogDebug("Ledger {From:u}–{To:u}: {Rows} rows from {Series} series, {Samples} samples", from, to, totals.Count, series, samples.ToString(CultureInfo.InvariantCulture));
    }
}
