using Microsoft.Extensions.Options;

namespace CostConsole.Configuration;

/// <summary>How pages show times: the default zone (the URL and each page's picker choose another).</summary>
public sealed class DisplayOptions
{
    public const string Section = "Display";

    /// <summary>IANA time zone in which pages show times by default (each user may pick another later).</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>ISO 4217 currency pages show money in by default (each page's currency picker, <c>cur=</c>, shows another); USD is the billing currency.</summary>
    public string Currency { get; set; } = "USD";
}

internal sealed class ValidateDisplayOptions : IValidateOptions<DisplayOptions>
{
    public ValidateOptionsResult Validate(string? name, DisplayOptions options) =>
        !TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _)
            ? ValidateOptionsResult.Fail($"Display:TimeZone '{options.TimeZone}' is not a known time zone; use an IANA name such as Europe/Berlin or UTC.")
            : !Currencies.IsIso4217(options.Currency)
                ? ValidateOptionsResult.Fail($"Display:Currency '{OptionText.Printable(options.Currency)}' is not an ISO 4217 currency code such as USD or EUR.")
                : ValidateOptionsResult.Success;
}
