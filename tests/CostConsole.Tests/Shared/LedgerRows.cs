using CostConsole.Data;
using CostConsole.Features.Ledger;
using CostConsole.Workload;

namespace CostConsole.Tests.Shared;

/// <summary>An hourly ledger row with its dimension set's values, as the tests compare it with the ground truth.</summary>
public sealed class LedgerRow
{
    public long HourUnix { get; init; }
    public string Model { get; init; } = "";
    public string Provider { get; init; } = "";
    public string Feature { get; init; } = "";
    public string Team { get; init; } = "";
    public string Operation { get; init; } = "";
    public string Outcome { get; init; } = "";
    public string Extra { get; init; } = "";
    public TokenType TokenType { get; init; }
    public long Tokens { get; init; }
}

public static class LedgerRowQueries
{
    /// <summary>The hourly rows joined to their dimension sets (a query: narrow or group it further before reading).</summary>
    public static IQueryable<LedgerRow> LedgerRows(this CostConsoleDbContext db) =>
        db.LedgerEntries.Join(db.LedgerSets, e => e.SetId, s => s.Id, (e, s) => new LedgerRow
        {
            HourUnix = e.HourUnix, Model = s.Model, Provider = s.Provider, Feature = s.Feature, Team = s.Team, Operation = s.Operation, Outcome = s.Outcome,
            Extra = s.Extra, TokenType = e.TokenType, Tokens = e.Tokens,
        });

    /// <summary>The generator's family of a ledger token type.</summary>
    public static Family FamilyOf(TokenType type) => type switch
    {
        TokenType.Input => Family.InputTokens,
        TokenType.Output => Family.OutputTokens,
        TokenType.CachedInput => Family.CachedInputTokens,
        TokenType.CacheWrite => Family.CacheWriteTokens,
        TokenType.GatewayCost => Family.GatewayCost,
        TokenType.Requests => Family.Requests,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>
    /// Rows summed the way the ground truth counts them: per hour, model, feature, team and family (the ledger splits
    /// requests by outcome, the truth does not).
    /// </summary>
    public static Dictionary<TruthKey, long> ByTruthKey(this IEnumerable<LedgerRow> rows) => rows
        .GroupBy(e => new TruthKey(DateTimeOffset.FromUnixTimeSeconds(e.HourUnix), e.Model, e.Feature, e.Team, FamilyOf(e.TokenType)))
        .ToDictionary(g => g.Key, g => g.Sum(e => e.Tokens));
}
