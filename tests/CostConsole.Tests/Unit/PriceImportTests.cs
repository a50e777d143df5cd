using CostConsole.Features.Pricing;

namespace CostConsole.Tests.Unit;

/// <summary>LiteLLM's price map and the CSV, read into a plan of adds, changes and unchanged entries.</summary>
public sealed class PriceImportTests
{
    private static readonly DateTimeOffset Dec1 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private const string LiteLlm = """
        {
          "sample_spec": { "input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "litellm_provider": "one of the providers" },
          "gpt-4o-2024-11-20": { "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06, "litellm_provider": "openai", "mode": "chat" },
          "claude-3-5-sonnet": { "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05, "cache_read_input_token_cost": 3e-07, "cache_creation_input_token_cost": 3.75e-06 },
          "dall-e-3": { "output_cost_per_image": 0.04, "mode": "image_generation" },
          "gpt-4o-mini": { "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07 }
        }
        """;

    [Fact]
    public void Per_token_prices_are_converted_to_per_million_and_non_token_models_skipped()
    {
        var (prices, problems, skipped) = LiteLlmPrices.Parse(LiteLlm);

        Assert.Empty(problems);
        Assert.Equal(1, skipped);
        Assert.Equal(3, prices.Count);
        var sonnet = prices.Single(p => p.Model == "claude-3-5-sonnet");
        Assert.Equal((3m, 15m, 0.3m, 3.75m), (sonnet.Input, sonnet.Output, sonnet.Cached, sonnet.CacheWrite));
        var mini = prices.Single(p => p.Model == "gpt-4o-mini");
        Assert.Equal((0.15m, 0.6m, (decimal?)null), (mini.Input, mini.Output, mini.Cached));
    }

    [Theory]
    [InlineData("""{ "m": { "input_cost_per_token": "abc", "output_cost_per_token": 1e-06 } }""", "\"m\": input_cost_per_token \"abc\" is not a number")]
    [InlineData("""{ "m": { "input_cost_per_token": -1e-06, "output_cost_per_token": 1e-06 } }""", "\"m\": input_cost_per_token -1e-06 is negative")]
    [InlineData("""{ "m": { "input_cost_per_token": 2.5, "output_cost_per_token": 1e-06 } }""", "\"m\": input_cost_per_token 2.5 per token is $2,500,000.00 per 1M tokens")]
    [InlineData("""{ "m": 5 }""", "\"m\": expected an object of prices, found number")]
    [InlineData("{ \"ok\": { \"input_cost_per_token\": 1e-06, \"output_cost_per_token\": 1e-06 },\n  \"m\": { \"input_cost_per_token\": 1e-06 ,, } }", "line 2: the file is not valid JSON")]
    [InlineData("""[1, 2]""", "line 1: the file must be a JSON object of models")]
    [InlineData("""{ "bad\u0007name": { "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06 } }""", "control characters")]
    public void A_file_with_a_bad_value_reads_nothing_and_names_the_key_or_line(string json, string message)
    {
        var (prices, problems, _) = LiteLlmPrices.Parse(json);

        Assert.Empty(prices);
        Assert.Contains(problems, p => p.ToString().Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_plan_lists_adds_changes_and_unchanged_against_the_prices_in_force()
    {
        var stored = new PriceBook(
        [
            new PriceEntry("gpt-4o-2024-11-20", Dec1.AddMonths(-2), 2.50m, 10.00m, 1.25m),
            new PriceEntry("claude-3-5-sonnet", Dec1.AddMonths(-2), 3m, 15m, 0.3m, 3.75m),
        ]);
        var (prices, _, skipped) = LiteLlmPrices.Parse(LiteLlm.Replace("\"gpt-4o-2024-11-20\": { \"input_cost_per_token\": 2.5e-06", "\"gpt-4o-2024-11-20\": { \"input_cost_per_token\": 2e-06"));
        var entries = prices.Select(p => new PriceEntry(p.Model, Dec1, p.Input, p.Output, p.Cached, p.CacheWrite)).ToList();

        var plan = PriceImportPlanner.Plan(entries, stored, null, skipped: skipped);

        Assert.Empty(plan.Problems);
        Assert.Equal(ImportKind.Change, plan.Items.Single(i => i.Entry.Model == "gpt-4o-2024-11-20").Kind);
        Assert.Equal(2.50m, plan.Items.Single(i => i.Entry.Model == "gpt-4o-2024-11-20").Current!.InputPerMTok);
        Assert.Equal(ImportKind.Unchanged, plan.Items.Single(i => i.Entry.Model == "claude-3-5-sonnet").Kind);
        Assert.Equal(ImportKind.Add, plan.Items.Single(i => i.Entry.Model == "gpt-4o-mini").Kind);
        Assert.Equal(2, plan.ToWrite.Count());
        Assert.Contains("1 models without per-token input and output prices were skipped.", plan.Notes);
    }

    [Fact]
    public void The_plan_keeps_only_models_seen_or_priced_when_asked_and_refuses_clashes()
    {
        var stored = new PriceBook([new PriceEntry("gpt-4o-mini", Dec1, 0.15m, 0.6m)]);
        var entries = new[] { new PriceEntry("gpt-4o-mini", Dec1, 0.2m, 0.8m), new PriceEntry("never-seen", Dec1, 1m, 2m) };

        var onlySeen = PriceImportPlanner.Plan([entries[1]], stored, ["gpt-4o-mini"]);
        var clash = PriceImportPlanner.Plan(entries, stored, null);

        Assert.Empty(onlySeen.Items);
        Assert.Contains("1 models that are neither seen in the ledger nor priced already were left out.", onlySeen.Notes);
        Assert.Empty(clash.Items);
        Assert.Contains("already has a stored entry from 2026-12-01 00:00 UTC", Assert.Single(clash.Problems).Message);
    }

    [Fact]
    public void The_csv_export_reads_back_to_the_same_entries_retirements_included()
    {
        PriceEntry[] entries =
        [
            new("gpt-4o-2024-11-20", Dec1.AddMonths(-1), 2.50m, 10.00m, 1.25m),
            PriceEntry.Retirement("gpt-4o-2024-11-20", Dec1),
            new("re:claude-.*", Dec1, 3m, 15m, 0.3m, 3.75m),
        ];

        var (read, problems) = PriceCsv.Parse(PriceCsv.Write(entries));

        Assert.Empty(problems);
        Assert.Equal(entries.OrderBy(e => e.Model, StringComparer.Ordinal).ThenBy(e => e.EffectiveFrom), read);
    }

    [Fact]
    public void A_retirement_line_with_prices_is_refused()
    {
        var (read, problems) = PriceCsv.Parse(PriceCsv.HeaderWithRetired + "\nm,2026-12-01T00:00:00Z,1,2,,,true\n");

        Assert.Empty(read);
        Assert.Equal("line 2: a retirement line has no prices", Assert.Single(problems).ToString());
    }
}
