using CostConsole.Data;
using CostConsole.Features.Ledger;

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
}
