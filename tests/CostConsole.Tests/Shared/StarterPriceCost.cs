using CostConsole.Workload;

namespace CostConsole.Tests.Shared;

/// <summary>
/// Ground-truth cost at the starter prices the app seeds (gpt-4o 2.50 in / 1.25 cached / 10.00 out, gpt-4o-mini
/// 0.15 / 0.60 per 1M; every other model unpriced). Input holds cached input, so cached tokens take the difference.
/// </summary>
public static class StarterPriceCost
{
    public static decimal Of(TruthKey key, long tokens) => tokens * (key.Model, key.TokenType) switch
    {
        ("gpt-4o-2024-11-20", Family.InputTokens) => 2.50m,
        ("gpt-4o-2024-11-20", Family.CachedInputTokens) => 1.25m - 2.50m,
        ("gpt-4o-2024-11-20", Family.OutputTokens) => 10.00m,
        ("gpt-4o-mini", Family.InputTokens) => 0.15m,
        ("gpt-4o-mini", Family.OutputTokens) => 0.60m,
        _ => 0m,
    } / 1_000_000m;

    public static bool Priced(string model) => model is "gpt-4o-2024-11-20" or "gpt-4o-mini";
}
