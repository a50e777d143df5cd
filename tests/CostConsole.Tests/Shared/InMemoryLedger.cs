using CostConsole.Features.Spend;

namespace CostConsole.Tests.Shared;

/// <summary>
/// Spend views for page tests: a handful of ledger cells and prices held in memory and folded by the core's own
/// <see cref="SpendFold"/>, so a page shows exactly what those cells cost without a database or Prometheus.
/// </summary>
public sealed class InMemoryLedger(PriceBook prices, DateTimeOffset? from, DateTimeOffset? through) : ISpendViews
{
    private readonly List<LedgerCell> _cells = [];

    public Dictionary<string, string> Owners { get; } = new(StringComparer.Ordinal);

    /// <summary>Every view asked for, in order.</summary>
    public List<SpendRequest> Requests { get; } = [];

    /// <summary>When set, every view fails with it (a database that cannot be read).</summary>
    public Exception? Failure { get; set; }

    public InMemoryLedger Add(DateTimeOffset hour, Dimensions dims, TokenType type, long tokens)
    {
        _cells.Add(new LedgerCell(hour.ToUnixTimeSeconds(), dims, type, tokens));
        return this;
    }

    public Task<SpendResult> GetAsync(SpendRequest request, CancellationToken cancellationToken = default)
    {
        Requests.Add(request);
        if (Failure is not null) return Task.FromException<SpendResult>(Failure);
        bool Matches(string dimension, string value) => request.FilterOf(dimension) is not { Count: > 0 } values || values.Contains(value);
        var cells = _cells.Where(c => c.Hour >= request.From.ToUnixTimeSeconds() && c.Hour < request.To.ToUnixTimeSeconds()
            && Matches(SpendDimension.Feature, c.Dims.Feature) && Matches(SpendDimension.Model, c.Dims.Model) && Matches(SpendDimension.Provider, c.Dims.Provider)
            && Matches(SpendDimension.Operation, c.Dims.Operation) && Matches(SpendDimension.Outcome, c.Dims.Outcome));
        var folded = SpendFold.Fold(cells, prices, Owners, request, inputIncludes: CacheInclusion.Both);
        List<string> warnings = through is null ? ["The ledger is empty: no closed hour has been ingested yet."] : [];
        if (folded.UnpricedWarning is { } unpriced) warnings.Add(unpriced);
        return Task.FromResult(new SpendResult(request.From, request.To, request.GroupBy, folded.Rows, folded.Totals, through, warnings)
        {
            UnpricedModels = folded.UnpricedModels,
            LedgerFrom = from,
        });
    }
}

/// <summary>A burn rate that is whatever the test says.</summary>
public sealed class FixedBurnReading(BurnReading reading) : IBurnReadings
{
    public Task<BurnReading> ReadAsync(CancellationToken cancellationToken = default) => Task.FromResult(reading);
}
