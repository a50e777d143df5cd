namespace CostConsole.Core.Pricing;

/// <summary>
/// Where the prices in force come from (the stored price history). The spend fold's callers read prices through it,
/// so spend depends on the core's idea of prices, not on the feature that edits them.
/// </summary>
public interface IPriceSource
{
    Task<PriceBook> LoadAsync(CancellationToken cancellationToken = default);
}
