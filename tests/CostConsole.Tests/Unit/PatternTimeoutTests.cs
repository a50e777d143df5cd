using CostConsole.Features.Hosting;
using CostConsole.Features.Pricing;

namespace CostConsole.Tests.Unit;

/// <summary>A price pattern cannot stall a spend view, and a value from a request cannot forge a log line.</summary>
public sealed class PatternTimeoutTests
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_catastrophic_pattern_runs_in_linear_time_on_a_long_label()
    {
        var book = new PriceBook([new PriceEntry("re:(a+)+$", Hour.AddDays(-1), 1m, 2m)]);
        var hostile = new string('a', 10_000) + "!";

        // The non-backtracking engine: no timeout, an answer.
        var price = book.PriceAt(hostile, Hour);

        Assert.Null(price);
        Assert.Equal("re:(a+)+$", book.PriceAt(new string('a', 50), Hour)?.Model);
        Assert.DoesNotContain(PriceBook.TimedOut.Keys, k => k.Pattern == "re:(a+)+$");
    }

    [Fact]
    public void A_backtracking_only_pattern_that_times_out_is_not_applied_and_is_reported()
    {
        // A backreference needs the backtracking engine, which gives up after the timeout.
        var pattern = @"re:((a+)+)\1b";
        var book = new PriceBook([new PriceEntry(pattern, Hour.AddDays(-1), 1m, 2m)]);
        var hostile = new string('a', 5_000);

        Assert.Null(book.PriceAt(hostile, Hour));
        var recorded = PriceBook.TimedOut[(pattern, hostile)];
        // Asked again for other hours of a view: answered from memory, not matched (and timed out) again.
        for (var h = 1; h <= 50; h++) Assert.Null(book.PriceAt(hostile, Hour.AddHours(h)));
        Assert.Equal(recorded, PriceBook.TimedOut[(pattern, hostile)]);
    }

    [Theory]
    [InlineData("mallory\nSigned in admin", "mallory\\u000aSigned in admin")]
    [InlineData("a\rb\u2028c", "a\\u000db\\u2028c")]
    [InlineData("plain@example.test", "plain@example.test")]
    public void A_logged_value_keeps_to_one_line(string value, string logged)
    {
        Assert.Equal(logged, LogText.Safe(value));
    }
}
