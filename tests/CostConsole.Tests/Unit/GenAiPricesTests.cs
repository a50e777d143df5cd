using CostConsole.Features.Pricing;

namespace CostConsole.Tests.Unit;

/// <summary>
/// The genai-prices catalogue import against a real slice of its data file (Golden/genai-prices: the anthropic and
/// avian providers of prices/data.json, verbatim): dated prices land at their start dates, the undated one at the
/// import's hour, context tiers are listed as needing a label and never imported, matches follow its match logic.
/// </summary>
public sealed class GenAiPricesTests
{
    private static readonly string Slice = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "genai-prices", "data-slice.json"));
    private static readonly DateTimeOffset From = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset March13 = new(2026, 3, 13, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_model_lands_with_its_dates_and_tiers_are_listed_not_imported()
    {
        var result = GenAiPrices.Parse(Slice, From, seenModels: null);
        Assert.Empty(result.Problems);

        // claude-sonnet-4-6: tiered from the start (base 3 / 15, cache read 0.3, write 3.75), flat from 2026-03-13.
        Assert.Equal(
            [new PriceEntry("claude-sonnet-4-6", From, 3m, 15m, 0.3m, 3.75m), new PriceEntry("claude-sonnet-4-6", March13, 3m, 15m, 0.3m, 3.75m)],
            result.Entries.Where(e => e.Model == "claude-sonnet-4-6"));
        Assert.Equal([From, March13], result.Entries.Where(e => e.Model == "claude-opus-4-6").Select(e => e.EffectiveFrom));
        Assert.Equal(new PriceEntry("claude-3-5-haiku-latest", From, 0.8m, 4m, 0.08m, 1m), result.Entries.Single(e => e.Model == "claude-3-5-haiku-latest"));
        Assert.Equal(new PriceEntry("Meta-Llama-3.1-70B-Instruct", From, 0.45m, 0.45m), result.Entries.Single(e => e.Model == "Meta-Llama-3.1-70B-Instruct"));
        // 19 anthropic and 4 avian models, two of them with a dated price besides the undated one.
        Assert.Equal(19 + 4 + 2, result.Entries.Count);

        // The tiers of claude-sonnet-4-5 (from 200,000 input tokens) need a label; none is imported as a price.
        var tierNotes = result.Notes.Where(n => n.StartsWith("claude-sonnet-4-5 from", StringComparison.Ordinal)).ToList();
        Assert.Contains(tierNotes, n => n.Contains("input $6.00 per 1M from 200,000 input tokens", StringComparison.Ordinal) && n.Contains("needs a label", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Entries, e => e.InputPerMTok == 6m && e.Model.StartsWith("claude-sonnet-4", StringComparison.Ordinal));
    }

    [Fact]
    public void Seen_models_take_the_price_of_the_catalogue_model_that_matches_them_under_their_own_names()
    {
        var result = GenAiPrices.Parse(Slice, From, ["claude-sonnet-4-5-20250929", "CLAUDE-3-HAIKU-20240307", "gpt-4o", "claude-opus-4"]);
        Assert.Empty(result.Problems);
        Assert.Equal(
            ["CLAUDE-3-HAIKU-20240307", "claude-opus-4", "claude-sonnet-4-5-20250929"],
            result.Entries.Select(e => e.Model).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(new PriceEntry("claude-sonnet-4-5-20250929", From, 3m, 15m, 0.3m, 3.75m), result.Entries.Single(e => e.Model == "claude-sonnet-4-5-20250929"));
        // claude-opus-4 is an "equals" clause of claude-opus-4-0 (15 / 75).
        Assert.Equal(15m, result.Entries.Single(e => e.Model == "claude-opus-4").InputPerMTok);
    }

    [Fact]
    public void Without_an_effective_from_hour_only_dated_prices_land_and_the_rest_is_said()
    {
        var result = GenAiPrices.Parse(Slice, undatedFrom: null, seenModels: null);
        Assert.Equal([March13, March13], result.Entries.Select(e => e.EffectiveFrom));
        Assert.Contains(result.Notes, n => n == "claude-2: its undated price needs an effective-from hour; it was left out.");
    }

    [Theory]
    [InlineData("{}", "must be a JSON array of providers")]
    [InlineData("[{\"id\":\"x\"}]", "a provider without an id or a models array")]
    [InlineData("[{\"id\":\"x\",\"models\":[{\"id\":\"m\",\"match\":{\"equals\":\"m\"},\"prices\":{\"input_mtok\":\"cheap\",\"output_mtok\":1}}]}]", "input_mtok is \"cheap\", not a price or tiered prices")]
    [InlineData("[{\"id\":\"x\",\"models\":[{\"id\":\"m\",\"match\":{\"equals\":\"m\"},\"prices\":{\"input_mtok\":-1,\"output_mtok\":1}}]}]", "input_mtok -1 is not a price from 0 to 10,000 USD per 1M tokens")]
    [InlineData("[1,", "the file is not valid JSON")]
    public void A_bad_file_yields_its_problem_and_no_entries(string json, string message)
    {
        var result = GenAiPrices.Parse(json, From, null);
        Assert.Empty(result.Entries);
        Assert.Contains(result.Problems, p => p.Message.Contains(message, StringComparison.Ordinal));
    }
}
