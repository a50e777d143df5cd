using Microsoft.Extensions.Options;

namespace CostConsole.Configuration;

/// <summary>How pages show times: the default zone (the URL and each page's picker choose another).</summary>
public sealed class DisplayOptions
{
    public const string Section = "Display";

    /// <summary>IANA time zone in which pages show times by default (each user may pick another later).</summary>
    public string TimeZone { get; set; } = "UTC";
}

internal sealed class ValidateDisplayOptions : IValidateOptions<DisplayOptions>
{
    public ValidateOptionsResult Validate(string? name, DisplayOptions options) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Display:TimeZone '{options.TimeZone}' is not a known time zone; use an IANA name such as Europe/Berlin or UTC.");
}
