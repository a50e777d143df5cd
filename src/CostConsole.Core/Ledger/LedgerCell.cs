using CostConsole.Core.Metrics;

namespace CostConsole.Core.Ledger;

/// <summary>
/// Dimension values of one series, the ledger's key together with hour and token type. <see cref="Variant"/> selects a
/// price variant of the model's entry (a service or context tier the series' labels name); "" is the base price.
/// </summary>
public readonly record struct Dimensions(string Model, string Provider, string Feature, string Team, string Operation, string Outcome, string Extra = "", string Variant = "")
{
    /// <summary>The series' dimensions as the profile reads them: each from the first of its labels that is filled.</summary>
    public static Dimensions From(IReadOnlyDictionary<string, string> labels, MetricProfile profile) =>
        new(profile.Resolve(labels, "model"), profile.Resolve(labels, "provider"), profile.Resolve(labels, "feature"),
            profile.Resolve(labels, "team"), profile.Resolve(labels, "operation"), profile.Resolve(labels, "outcome"), profile.ResolveExtras(labels),
            profile.Resolve(labels, "variant"));
}

/// <summary>
/// One cell of the token ledger as the spend fold reads it: the tokens (or requests) of one type for one dimension set,
/// in one closed hour, in the open hour read live, or in a whole UTC day (then <see cref="Hour"/> is the day's first hour).
/// </summary>
public readonly record struct LedgerCell(long Hour, Dimensions Dims, TokenType Type, long Tokens);
