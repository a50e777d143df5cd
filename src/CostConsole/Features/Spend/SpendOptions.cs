using Microsoft.Extensions.Options;

namespace CostConsole.Features.Spend;

public sealed class SpendOptions
{
    public const string Section = "Spend";

    /// <summary>How long a computed view of closed hours is shared; a ledger write or price change ends it sooner. 0: only concurrent callers share.</summary>
    public int ViewCacheSeconds { get; set; } = 600;

    /// <summary>The same for views that reach the open hour, whose live part keeps growing.</summary>
    public int LiveViewCacheSeconds { get; set; } = 30;
}

public sealed class ValidateSpendOptions : IValidateOptions<SpendOptions>
{
    public ValidateOptionsResult Validate(string? name, SpendOptions options) =>
        options.ViewCacheSeconds is < 0 or > 86_400 ? ValidateOptionsResult.Fail($"{SpendOptions.Section}:ViewCacheSeconds must be between 0 and 86400 (was {options.ViewCacheSeconds}).")
        : options.LiveViewCacheSeconds is < 0 or > 3_600 ? ValidateOptionsResult.Fail($"{SpendOptions.Section}:LiveViewCacheSeconds must be between 0 and 3600 (was {options.LiveViewCacheSeconds}).")
        : ValidateOptionsResult.Success;
}
