using CostConsole.Data;
using CostConsole.Features.Ledger;
using CostConsole.Prometheus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Spend;

/// <summary>
/// Spend by any grouping, computed at query time: the window's cells from the ledger (plus the open hour live from
/// Prometheus), priced by <see cref="SpendFold"/> with the prices in force hour by hour. This class does the reading
/// and words the warnings about what could not be read; the arithmetic is the fold's.
/// </summary>
public sealed class SpendQuery(
    IDbContextFactory<CostConsoleDbContext> dbFactory,
    IPriceSource prices,
    LedgerReader ledger,
    IOptions<PrometheusOptions> prometheusOptions,
    TimeProvider time,
    ILogger<SpendQuery> logger,
    Rates.ExchangeRateStore exchangeRates)
{
    public static IReadOnlyList<string> GroupKeys => SpendFold.GroupKeys;

    /// <summary>Minutes without any token sample after which the live part counts as missing (a few scrape intervals).</summary>
    private const int StaleMinutes = 5;

    private long _runs;

    /// <summary>How many times a spend view was computed from the ledger (the cache's tests count on it).</summary>
    public long Runs => Interlocked.Read(ref _runs);

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
        var owners = await FeatureOwnersAsync(cancellationToken);
        var extent = await ledger.ExtentAsync(cancellationToken);
        var through = extent.Through;
        if (extent.PrunedThrough is { } pruned && request.From < pruned)
        {
            // Hourly rows before `pruned` were dropped (their days' sums kept): a window starting or ending there is
            // read in whole UTC days, and says so.
            var (from, to) = (RangeWindow.Floor(request.From, TimeSpan.FromDays(1)), request.To < pruned ? RangeWindow.Ceiling(request.To, TimeSpan.FromDays(1)) : request.To);
            var widened = from != request.From || to != request.To;
            request = request with { From = from, To = to };
            warnings.Add($"Hourly detail before {pruned:yyyy-MM-dd} (UTC) is kept as daily sums only (Ledger:HourlyRetentionDays): "
                + (widened ? $"this window is read in whole UTC days, {from:yyyy-MM-ddTHH:mm}Z to {to:yyyy-MM-ddTHH:mm}Z, and " : "")
                + "each of those days shows at its midnight (UTC).");
        }

        // A conversion needs each cell's UTC day (a day's cost at that day's rate): a view not grouped by time is read at
        // UTC-day grain, one grouped by local days at hour grain (a local day spans two UTC days); the fold groups as asked.
        var convert = request.Currency != Currencies.Billing && !request.GroupBy.Contains("hour");
        var reading = !convert || (request.GroupBy.Contains("day") && request.TimeZone == TimeZoneInfo.Utc) ? request
            : request.GroupBy.Contains("day") ? request with { GroupBy = [.. request.GroupBy, "hour"] }
            : request with { GroupBy = [.. request.GroupBy, "day"], TimeZone = TimeZoneInfo.Utc };
        var stored = await ledger.CellsAsync(reading, through, book.ChangeHoursUnix, cancellationToken);
        var sqlMs = clock.Elapsed.TotalMilliseconds;

        var live = await LiveCellsAsync(request, through, warnings, cancellationToken);
        var cells = stored.Concat(live.Cells); // the stored cells may be shared with other views: never changed here
        if (through is null)
        {
            warnings.Add("The ledger is empty: no closed hour has been ingested yet.");
        }
        else if (through < request.To && through < RangeWindow.Floor(time.GetUtcNow(), TimeSpan.FromHours(1)))
        {
            warnings.Add($"The ledger is exact through {through:yyyy-MM-ddTHH:mm}Z; closed hours after that are still being ingested and are missing here.");
        }

        var rates = request.Currency == Currencies.Billing ? null : await exchangeRates.LoadAsync(request.Currency, cancellationToken);
        var folded = SpendFold.Fold(cells, book, owners, request, profile.InputIncludes, rates);
        if (folded.MissingRateDays.Count > 0)
        {
            var days = folded.MissingRateDays;
            warnings.Add($"No {request.Currency} rate is in force for {days.Count} day{(days.Count == 1 ? "" : "s")} with cost ({string.Join(", ", days.Take(5).Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))}{(days.Count > 5 ? ", …" : "")}): their cost is left out of the {request.Currency} figures and stated in USD. Enter or import a rate on or before those days.");
        }

        if (folded.UnpricedWarning is { } unpriced)
        {
            warnings.Add(unpriced);
        }

        if (folded.VariantWarning is { } variants)
        {
            warnings.Add(variants);
        }

        if (folded.Writes1hWarning is { } writes)
        {
            warnings.Add(writes);
        }

        if (through is not null && await ledger.AmbiguousHoursAsync(request.From, request.To, cancellationToken) is var flagged and > 0)
        {
            warnings.Add($"{flagged} {(flagged == 1 ? "hour" : "hours")} of this window had counters that came back after a gap while their target was down: if those processes restarted, "
                + "those hours undercount (nothing tells a restart from failed scrapes there; exposing process_start_time_seconds or an OTel service.instance.id would). See Sources.");
        }

        if (!profile.HasCachedSplit && folded.Totals.BillableTokens > 0)
        {
            warnings.Add($"The {profile.Name} source does not report cached input tokens: cost prices all input at the full input price, so it is an upper bound (prompt-cache reads would cost less).");
        }

        logger.LogDebug("Spend query: {Cells} ledger cells into {Rows} rows in {Ms:0.0} ms (prices {PricesMs:0.0} ms, ledger read {SqlMs:0.0} ms)", stored.Count + live.Cells.Count, folded.Rows.Count, clock.Elapsed.TotalMilliseconds, pricesMs, sqlMs);
        return new SpendResult(request.From, request.To, request.GroupBy, folded.Rows, folded.Totals, through, warnings)
        {
            UnpricedModels = folded.UnpricedModels,
            VariantsAsBase = folded.VariantsAsBase,
            Currency = request.Currency,
            MissingRateDays = folded.MissingRateDays,
            RatesUsed = folded.RatesUsed,
            Incomplete = live.Failed,
            LiveSince = live.Since,
            LedgerFrom = extent.From,
        };
    }

    /// <summary>Feature → owning team's name, for series without a team label.</summary>
    private async Task<Dictionary<string, string>> FeatureOwnersAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await (from o in db.FeatureOwners join t in db.Teams on o.TeamId equals t.Id select new { o.Feature, t.Name })
            .ToDictionaryAsync(o => o.Feature, o => o.Name, StringComparer.Ordinal, cancellationToken);
    }

    /// <summary>Hours of the window after the ledger and up to now: read live from Prometheus, said so in a warning.</summary>
    private async Task<(IReadOnlyList<LedgerCell> Cells, DateTimeOffset? Since, bool Failed)> LiveCellsAsync(SpendRequest request, DateTimeOffset? through, List<string> warnings, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var openHour = RangeWindow.Floor(now, TimeSpan.FromHours(1));
        var liveFrom = new[] { request.From, through ?? openHour, openHour }.Max();
        var liveTo = request.To < now ? request.To : now;
        // Views ending in the past never read Prometheus.
        if (liveTo <= liveFrom || request.To <= openHour)
        {
            return ([], null, false);
        }

        var read = await ledger.OpenHourAsync(liveFrom, liveTo, cancellationToken);
        if (read.Chunk is not { } chunk)
        {
            logger.LogWarning("Live spend unavailable: {Error}", read.Failure?.Message);
            warnings.Add($"The open hour could not be read from Prometheus ({read.Failure?.Message}); figures after {liveFrom:yyyy-MM-ddTHH:mm}Z are missing, not zero.");
            return ([], liveFrom, true);
        }

        bool Matches(string dimension, string value) => request.FilterOf(dimension) is not { Count: > 0 } values || values.Contains(value);
        List<LedgerCell> cells = [.. chunk.Totals
            .Where(t => Matches(SpendDimension.Feature, t.Key.Dims.Feature) && Matches(SpendDimension.Model, t.Key.Dims.Model)
                && Matches(SpendDimension.Provider, t.Key.Dims.Provider) && Matches(SpendDimension.Operation, t.Key.Dims.Operation)
                && Matches(SpendDimension.Outcome, t.Key.Dims.Outcome) && Matches(SpendDimension.Variant, t.Key.Dims.Variant))
            .Select(t => new LedgerCell(t.Key.Hour, t.Key.Dims, t.Key.Type, (long)Math.Round(t.Value)))];
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
}
