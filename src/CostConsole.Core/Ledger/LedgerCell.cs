using CostConsole.Core.Metrics;

namespace CostConsole.Core.Ledger;

/// <summary>Dimension values of one series, the ledger's key together with hour and token type.</summary>
public readonly record struct Dimensions(string Model, string Provider, string Feature, string Team, string Operation, string Outcome)
{
    public static Dimensions From(IReadOnlyDictionary<string, string> labels, MetricProfile profile)
    {
        string Get(string dimension) =>
            profile.DimensionLabels.TryGetValue(dimension, out var label) && labels.TryGetValue(label, out var value) ? value : "";

        return new Dimensions(Get("model"), Get("provider"), Get("feature"), Get("team"), Get("operation"), Get("outcome"));
    }
}

/// <summary>
/// One cell of the token ledger as the spend fold reads it: the tokens (or requests) of one type for one dimension set,
/// in one closed hour, in the open hour read live, or in a whole UTC day (then <see cref="Hour"/> is the day's first hour).
/// </summary>
public readonly record struct LedgerCell(long Hour, Dimensions Dims, TokenType Type, long Tokens);
