using CostConsole.Data;
using CostConsole.Features.Spend;
using CostConsole.Prometheus;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Budgets;

/// <summary>One team's (or the org's, <see cref="TeamId"/> null) budget and burn this month.</summary>
public sealed record TeamOutlook(int? TeamId, string Name, Budget? Budget, BurnOutlook Outlook, IReadOnlyList<int> Thresholds, bool Incomplete)
{
    /// <summary>The currency of every amount of this outlook: the budget's (spend converted at each UTC day's rate), else USD.</summary>
    public string Currency { get; init; } = Currencies.Billing;

    /// <summary>UTC days of the month with spend but no rate for <see cref="Currency"/>: that spend is not in the figures.</summary>
    public IReadOnlyList<DateOnly> MissingRateDays { get; init; } = [];

    /// <summary>Spend per UTC day of the month so far (index 0 is the 1st; today last).</summary>
    public IReadOnlyList<decimal> Daily { get; init; } = [];
}

/// <summary>
/// Every team's burn this month from the same shared spend views the pages use (four windows, grouped by team),
/// judged against the budget in force. Reading never writes: threshold crossings are recorded once per team, month
/// and threshold by <see cref="RecordCrossingsAsync"/>, which only the budget watcher calls.
/// </summary>
public sealed class BudgetOutlooks(ISpendViews views, BudgetService budgets, IDbContextFactory<CostConsoleDbContext> dbFactory, TimeProvider time, ILogger<BudgetOutlooks> logger)
{
    /// <summary>The outlooks now, for pages and the API. Nothing is recorded.</summary>
    public Task<IReadOnlyList<TeamOutlook>> ComputeAsync(CancellationToken cancellationToken = default) =>
        ComputeAsync(time.GetUtcNow(), record: false, cancellationToken);

    /// <summary>The outlooks now, recording every threshold reached and not yet recorded (the budget watcher's round).</summary>
    public Task<IReadOnlyList<TeamOutlook>> RecordCrossingsAsync(CancellationToken cancellationToken = default) =>
        ComputeAsync(time.GetUtcNow(), record: true, cancellationToken);

    /// <summary>
    /// The outlooks as the page showed them just before <paramref name="cut"/> (a digest's cut-off): the month of the
    /// instant before it, with trailing windows over the hours closed by then. Nothing is recorded.
    /// </summary>
    public Task<IReadOnlyList<TeamOutlook>> ComputeAsOfAsync(DateTimeOffset cut, CancellationToken cancellationToken = default) =>
        ComputeAsync(cut.AddTicks(-1), record: false, cancellationToken);

    private async Task<IReadOnlyList<TeamOutlook>> ComputeAsync(DateTimeOffset now, bool record, CancellationToken cancellationToken)
    {
        var hour = RangeWindow.Floor(now, TimeSpan.FromHours(1));
        var (monthStart, _) = BurnProjection.MonthOf(now);
        var end = hour.AddHours(1);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var all = await budgets.ListAsync(cancellationToken);
        var key = Budget.MonthKey(now);
        // The windows, read once per currency a budget in force is set in (each day's spend at that day's rate).
        var windows = new Dictionary<string, Task<(SpendResult Month, SpendResult Day, SpendResult Week, SpendResult Last, SpendResult ByDay)>>(StringComparer.Ordinal);
        Task<(SpendResult Month, SpendResult Day, SpendResult Week, SpendResult Last, SpendResult ByDay)> WindowsIn(string currency)
        {
            if (windows.TryGetValue(currency, out var read)) return read;
            async Task<(SpendResult, SpendResult, SpendResult, SpendResult, SpendResult)> ReadAsync()
            {
                SpendRequest ByTeam(DateTimeOffset from, DateTimeOffset to) => new(from, to, [SpendDimension.Team]) { Currency = currency };
                return (await views.GetAsync(ByTeam(monthStart, end), cancellationToken), await views.GetAsync(ByTeam(hour.AddHours(-24), hour), cancellationToken),
                    await views.GetAsync(ByTeam(hour.AddDays(-7), hour), cancellationToken), await views.GetAsync(ByTeam(hour.AddHours(-1), hour), cancellationToken),
                    await views.GetAsync(new SpendRequest(monthStart, end, [SpendDimension.Team, "day"]) { Currency = currency }, cancellationToken));
            }

            return windows[currency] = ReadAsync();
        }

        var (month, _, _, _, _) = await WindowsIn(Currencies.Billing);
        var days = (int)(hour - monthStart).TotalDays + 1;
        IReadOnlyList<decimal> Daily(SpendResult byDay, string? team)
        {
            var daily = new decimal[days];
            foreach (var row in byDay.Rows.Where(r => team is null || string.Equals(r.Keys[0], team, StringComparison.OrdinalIgnoreCase)))
            {
                var index = (int)(DateTimeOffset.Parse(row.Keys[1] + "T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture) - monthStart).TotalDays;
                if (index >= 0 && index < days) daily[index] += row.Figures.Converted;
            }

            return daily;
        }

        // Trailing windows are over closed hours; a ledger younger than the window covers only part of it.
        double Covered(double hours) => month.LedgerFrom is { } first ? Math.Clamp((hour - first).TotalHours, 0, hours) : 0;
        var covered24 = Covered(24);
        var covered7d = Covered(168);

        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Name).Select(t => new { t.Id, t.Name }).ToListAsync(cancellationToken);
        // Spend in the budget's currency: converted figures (in USD they equal the cost).
        decimal Cost(SpendResult result, string? team) => team is null ? result.Totals.Converted
            : result.Rows.Where(r => string.Equals(r.Keys[0], team, StringComparison.OrdinalIgnoreCase)).Sum(r => r.Figures.Converted);

        async Task<TeamOutlook> Outlook(int? id, string name, string? team)
        {
            var budget = BudgetBook.InForce(all, id, key);
            var currency = budget?.Currency ?? Currencies.Billing;
            var (m, day, week, last, byDay) = await WindowsIn(currency);
            var input = new BurnInput(now, Cost(m, team), Cost(day, team), Cost(week, team), Cost(last, team), budget?.MonthlyUsd, covered7d, covered24);
            // Spend on a day with no rate is not in a converted figure: the outlook is then incomplete, and says why.
            var incompleteHere = m.Incomplete || m.NoData || m.MissingRateDays.Count > 0 || week.MissingRateDays.Count > 0;
            return new TeamOutlook(id, name, budget, BurnProjection.Project(input), budget?.ThresholdList ?? Budget.DefaultThresholds, incompleteHere)
            {
                Daily = Daily(byDay, team),
                Currency = currency,
                MissingRateDays = [.. m.MissingRateDays.Union(week.MissingRateDays).Order()],
            };
        }

        List<TeamOutlook> outlooks = [await Outlook(null, "All teams (org)", null)];
        foreach (var t in teams) outlooks.Add(await Outlook(t.Id, t.Name, t.Name));
        if (record)
        {
            await RecordCrossingsAsync(db, outlooks, key, now, cancellationToken);
        }

        return outlooks;
    }

    /// <summary>Records each threshold a team's spend has reached this month, once (the unique index keeps it so under races).</summary>
    private async Task RecordCrossingsAsync(CostConsoleDbContext db, IReadOnlyList<TeamOutlook> outlooks, int month, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var known = (await db.BudgetCrossings.AsNoTracking().Where(c => c.Month == month).Select(c => new { c.TeamId, c.Threshold }).ToListAsync(cancellationToken))
            .Select(c => (c.TeamId, c.Threshold)).ToHashSet();
        foreach (var outlook in outlooks.Where(o => o.TeamId is not null && o.Budget?.MonthlyUsd is not null && !o.Incomplete))
        {
            foreach (var threshold in BurnProjection.Reached(outlook.Outlook.MonthToDateUsd, outlook.Budget!.MonthlyUsd, outlook.Thresholds))
            {
                if (!known.Add((outlook.TeamId!.Value, threshold)))
                {
                    continue;
                }

                try
                {
                    var crossedAt = await CrossedAtAsync(outlook.Name, outlook.Outlook.MonthStart, now, outlook.Budget.MonthlyUsd!.Value * threshold / 100m, cancellationToken, outlook.Currency) ?? now;
                    db.BudgetCrossings.Add(new BudgetCrossing
                    {
                        TeamId = outlook.TeamId.Value, Month = month, Threshold = threshold, CrossedUtc = crossedAt,
                        SpendUsd = outlook.Outlook.MonthToDateUsd, BudgetUsd = outlook.Budget.MonthlyUsd!.Value, Currency = outlook.Currency,
                    });
                    await db.SaveChangesAsync(cancellationToken);
                    logger.LogInformation("{Team} reached {Threshold}% of its {Month} budget", outlook.Name, threshold, Budget.MonthText(month));
                }
                catch (DbUpdateException)
                {
                    // Another request recorded the same crossing first.
                    db.ChangeTracker.Clear();
                }
            }
        }
    }

    /// <summary>The end of the hour in which the team's spend this month first reached the amount (hourly, from the ledger and the live hour).</summary>
    private async Task<DateTimeOffset?> CrossedAtAsync(string team, DateTimeOffset monthStart, DateTimeOffset now, decimal amount, CancellationToken cancellationToken, string currency = "USD")
    {
        var hourly = await views.GetAsync(new SpendRequest(monthStart, RangeWindow.Floor(now, TimeSpan.FromHours(1)).AddHours(1), ["hour"]) { Currency = currency }.WithFilter(SpendDimension.Team, [team]), cancellationToken);
        var total = 0m;
        foreach (var row in hourly.Rows.OrderBy(r => r.Keys[0], StringComparer.Ordinal))
        {
            total += row.Figures.Converted;
            if (total >= amount)
            {
                var hour = DateTimeOffset.Parse(row.Keys[0], System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime().AddHours(1);
                return hour < now ? hour : now;
            }
        }

        return null;
    }

    public async Task<IReadOnlyList<(BudgetCrossing Crossing, string Team)>> CrossingsAsync(int? month = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = month ?? Budget.MonthKey(time.GetUtcNow());
        var rows = await (from c in db.BudgetCrossings join t in db.Teams on c.TeamId equals t.Id where c.Month == key select new { c, t.Name }).ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.c.CrossedUtc).ThenBy(r => r.Name).Select(r => (r.c, r.Name))];
    }
}

/// <summary>Wakes the watcher when a crossing is recorded, so its managers are told at once rather than at the next round.</summary>
public sealed class CrossingSignal
{
    private readonly SemaphoreSlim _raised = new(0);

    public void Raise()
    {
        if (_raised.CurrentCount == 0) _raised.Release();
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _raised.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Checks every team's thresholds every few minutes (and at once when a budget changes), so a crossing is recorded
/// when it happens, not when someone looks, and mails the managers of each new crossing.
/// </summary>
public sealed class BudgetWatcher(IServiceProvider services, CostConsole.Data.DatabaseStatus database, CrossingSignal signal, Microsoft.Extensions.Options.IOptions<BudgetOptions> options, ILogger<BudgetWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.CheckMinutes <= 0 || !database.Ready)
        {
            logger.LogInformation("Background budget checks are off ({Reason})", !database.Ready ? "the database is not ready" : "Budgets:CheckMinutes is 0");
            return;
        }

        var outlooks = services.GetRequiredService<BudgetOutlooks>();
        var notifier = services.GetRequiredService<ThresholdNotifier>();
        while (!stoppingToken.IsCancellationRequested)
        {
            await signal.WaitAsync(TimeSpan.FromMinutes(options.Value.CheckMinutes), stoppingToken);
            try
            {
                await outlooks.RecordCrossingsAsync(stoppingToken);
                await notifier.NotifyPendingAsync(options.Value.PublicUrl, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Budget check failed: {Error}", ex.Message);
            }
        }
    }
}
