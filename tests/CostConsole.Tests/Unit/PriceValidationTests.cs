using CostConsole.Features.Pricing;

namespace CostConsole.Tests.Unit;

/// <summary>The rules every price edit meets: refused, confirmed, or warned about, with the message the editor shows.</summary>
public sealed class PriceValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Nov1 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly PriceEntry[] Stored =
    [
        new("gpt-4o-2024-11-20", Nov1, 2.50m, 10.00m, 1.25m),
        new("re:claude-3-5-.*", Nov1, 3m, 15m),
    ];

    private static readonly string[] Seen = ["gpt-4o-2024-11-20", "gpt-4o-mini", "claude-3-5-sonnet", "claude-3-5-haiku", "gemini-1.5-flash"];

    private static PriceCheck Check(string? model = "gpt-4o-mini", string? from = "2026-11-20T00:00:00Z", string? input = "0.15", string? output = "0.60", string? cached = null, string? write = null, PriceEntry? replacing = null) =>
        PriceValidation.Check(new PriceDraft(model, from, input, output, cached, write), Stored, Seen, Now, replacing);

    [Fact]
    public void A_good_entry_is_valid_and_read_exactly()
    {
        var check = Check(cached: "0.075");

        Assert.True(check.Valid);
        Assert.Empty(check.Confirmations);
        Assert.Empty(check.Warnings);
        Assert.Equal(new PriceEntry("gpt-4o-mini", new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), 0.15m, 0.60m, 0.075m, null), check.Entry);
        Assert.Equal(["gpt-4o-mini"], check.Catches);
    }

    [Theory]
    [InlineData("-1", "0.60", "The input price -1 is negative")]
    [InlineData("abc", "0.60", "The input price 'abc' is not a number")]
    [InlineData("", "0.60", "The input price is required")]
    [InlineData("0.15", "1e9", "The output price $1,000,000,000.00 is over $10,000.00 per 1M tokens")]
    [InlineData("0.15", "NaN", "The output price 'NaN' is not a number")]
    public void Bad_prices_are_refused_with_the_field_named(string input, string output, string message)
    {
        var check = Check(input: input, output: output);

        Assert.False(check.Valid);
        Assert.Null(check.Entry);
        Assert.Contains(check.Errors, e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2026-11-20T00:30:00Z", "is not on the hour")]
    [InlineData("next tuesday", "is not a date and time")]
    [InlineData("", "is required")]
    [InlineData("1999-01-01T00:00:00Z", "is out of range")]
    [InlineData("2031-01-01T00:00:00Z", "is out of range")]
    public void Bad_effective_times_are_refused(string from, string message)
    {
        var check = Check(from: from);

        Assert.False(check.Valid);
        Assert.Contains(check.Errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_time_with_an_offset_is_taken_in_utc()
    {
        var check = Check(from: "2026-11-20T01:00:00+01:00");

        Assert.Equal(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), check.Entry!.EffectiveFrom);
    }

    [Fact]
    public void A_price_over_a_thousand_or_an_output_below_input_asks_for_confirmation()
    {
        var expensive = Check(input: "1500", output: "3000");
        var swapped = Check(input: "0.60", output: "0.15");

        Assert.True(expensive.Valid);
        Assert.Equal(2, expensive.Confirmations.Count);
        Assert.Contains("$1,500.00 per 1M tokens is over $1,000.00", expensive.Confirmations[0]);
        Assert.True(swapped.Valid);
        Assert.Contains(swapped.Confirmations, c => c.Contains("below the input price", StringComparison.Ordinal));
    }

    [Fact]
    public void A_second_entry_for_the_same_model_and_hour_is_refused_but_a_correction_of_it_is_not()
    {
        var duplicate = Check(model: "gpt-4o-2024-11-20", from: "2026-11-01T00:00:00Z", input: "2", output: "8");
        var correction = Check(model: "gpt-4o-2024-11-20", from: "2026-11-01T00:00:00Z", input: "2", output: "8", replacing: Stored[0]);

        Assert.Contains(duplicate.Errors, e => e.Contains("already has an entry from 2026-11-01 00:00 UTC", StringComparison.Ordinal));
        Assert.True(correction.Valid);
    }

    [Fact]
    public void A_pattern_that_matches_nothing_seen_is_warned_about()
    {
        var check = Check(model: "re:mistral-.*");

        Assert.True(check.Valid);
        Assert.Empty(check.Catches);
        Assert.Contains("matches no model seen in the ledger", Assert.Single(check.Warnings));
    }

    [Fact]
    public void An_overlapping_pattern_is_warned_about_with_the_models_both_catch()
    {
        var check = Check(model: "re:claude-.*-sonnet|gpt-4o.*");

        Assert.Equal(["claude-3-5-sonnet", "gpt-4o-2024-11-20", "gpt-4o-mini"], check.Catches);
        Assert.Contains(check.Warnings, w => w == "The pattern overlaps re:claude-3-5-.*: both catch claude-3-5-sonnet (the entry that started last wins).");
        Assert.Contains(check.Warnings, w => w.StartsWith("gpt-4o-2024-11-20 have prices of their own", StringComparison.Ordinal));
    }

    [Fact]
    public void An_exact_model_never_seen_is_warned_about_with_similar_names()
    {
        var check = Check(model: "gpt-4o");

        Assert.True(check.Valid);
        Assert.Equal("No tokens of gpt-4o have been seen in the ledger. Did you mean gpt-4o-2024-11-20, gpt-4o-mini?", Assert.Single(check.Warnings));
    }

    [Theory]
    [InlineData("re:(unclosed", "not a valid regular expression")]
    [InlineData("bad\u0001model", "control characters")]
    [InlineData("", "the model is empty")]
    public void Hostile_or_broken_model_names_are_refused(string model, string message)
    {
        Assert.Contains(Check(model: model).Errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_retirement_needs_a_price_in_force_and_not_one_already_retired()
    {
        Assert.True(PriceValidation.CheckRetirement("gpt-4o-2024-11-20", "2026-11-20T00:00:00Z", Stored, Now).Valid);
        Assert.Contains("has no price entries to retire", PriceValidation.CheckRetirement("gemini-1.5-flash", "2026-11-20T00:00:00Z", Stored, Now).Errors[0]);
        Assert.Contains("has no price in force at 2026-10-01 00:00 UTC", PriceValidation.CheckRetirement("gpt-4o-2024-11-20", "2026-10-01T00:00:00Z", Stored, Now).Errors[0]);
        var retired = Stored.Append(PriceEntry.Retirement("gpt-4o-2024-11-20", Nov1.AddDays(10))).ToList();
        Assert.Contains("is already retired from 2026-11-11 00:00 UTC", PriceValidation.CheckRetirement("gpt-4o-2024-11-20", "2026-11-20T00:00:00Z", retired, Now).Errors[0]);
    }

    [Fact]
    public void A_retired_model_falls_back_to_a_pattern_or_is_unpriced()
    {
        var retiredAt = Nov1.AddDays(10);
        var book = new PriceBook([.. Stored, PriceEntry.Retirement("gpt-4o-2024-11-20", retiredAt), new PriceEntry("claude-3-5-sonnet", Nov1, 2m, 9m), PriceEntry.Retirement("claude-3-5-sonnet", retiredAt)]);

        Assert.Equal(2.50m, book.PriceAt("gpt-4o-2024-11-20", retiredAt.AddHours(-1))!.InputPerMTok);
        Assert.Null(book.PriceAt("gpt-4o-2024-11-20", retiredAt));
        Assert.Equal(2m, book.PriceAt("claude-3-5-sonnet", retiredAt.AddHours(-1))!.InputPerMTok);
        // Its own entry retired, the pattern that covers it prices it again.
        Assert.Equal(3m, book.PriceAt("claude-3-5-sonnet", retiredAt)!.InputPerMTok);
    }

    [Fact]
    public void A_retired_pattern_stops_matching()
    {
        var book = new PriceBook([Stored[1], PriceEntry.Retirement("re:claude-3-5-.*", Nov1.AddDays(3))]);

        Assert.Equal(3m, book.PriceAt("claude-3-5-haiku", Nov1.AddDays(2))!.InputPerMTok);
        Assert.Null(book.PriceAt("claude-3-5-haiku", Nov1.AddDays(3)));
    }
}
