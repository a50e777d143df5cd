using CostConsole.Features.Pricing;

namespace CostConsole.Tests.Unit;

/// <summary>
/// LiteLLM's price map read with its variants, from the real slice in Golden/litellm-prices: service tiers become
/// multiplier variants where the file's tier prices are one multiple of the base, 1-hour cache writes land on the
/// base entry, and what no label can select (context tiers, regional or mode multipliers no ledger value carries) is
/// listed, never imported.
/// </summary>
public sealed class LiteLlmVariantTests
{
    private static readonly string Slice = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "litellm-prices", "model_prices-slice.json"));
    private static readonly DateTimeOffset From = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_slice_reads_base_prices_one_hour_writes_tiers_multipliers_and_context_tiers()
    {
        var (models, problems, skipped) = LiteLlmPrices.Parse(Slice);

        Assert.Empty(problems);
        Assert.Equal(1, skipped); // dall-e-2 is priced per pixel
        Assert.Equal(["claude-haiku-4-5", "claude-opus-4-6", "claude-sonnet-4-5-20250929", "gpt-5.2", "gpt-5.6"], models.Select(m => m.Model).Order(StringComparer.Ordinal));

        // claude-haiku-4-5: 1e-06 input, 5e-06 output, 1e-07 read, 1.25e-06 write, 2e-06 one-hour write per token.
        var haiku = models.Single(m => m.Model == "claude-haiku-4-5");
        Assert.Equal((1m, 5m, (decimal?)0.1m, (decimal?)1.25m, (decimal?)2m), (haiku.Input, haiku.Output, haiku.Cached, haiku.CacheWrite, haiku.CacheWrite1h));
        Assert.Empty(haiku.Variants);

        // gpt-5.6: flex and batch are half of every given base price, priority twice; eu and us uplifts 1.1.
        var gpt56 = models.Single(m => m.Model == "gpt-5.6");
        Assert.Equal([("batch", true, 0.5m), ("eu", false, 1.1m), ("flex", true, 0.5m), ("priority", true, 2m), ("us", false, 1.1m)],
            gpt56.Variants.Select(v => (v.Name, v.ServiceTier, v.Multiplier!.Value)).OrderBy(v => v.Name, StringComparer.Ordinal));
        Assert.Equal(["272k"], gpt56.ContextTiers);

        // gpt-5.2's priority tier doubles input, cached input and output.
        Assert.Equal([("priority", (decimal?)2m)], models.Single(m => m.Model == "gpt-5.2").Variants.Select(v => (v.Name, v.Multiplier)));
        Assert.Equal(["200k"], models.Single(m => m.Model == "claude-sonnet-4-5-20250929").ContextTiers);
        Assert.Equal([("fast", 6m), ("us", 1.1m)], models.Single(m => m.Model == "claude-opus-4-6").Variants.Select(v => (v.Name, v.Multiplier!.Value)).OrderBy(v => v.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void Tiers_import_where_a_label_selects_them_and_the_rest_are_listed_as_needing_a_label()
    {
        var (models, _, _) = LiteLlmPrices.Parse(Slice);
        List<string> notes = [];

        // The profile reads a served-tier label; the ledger has seen the value "fast".
        var entries = LiteLlmPrices.Entries(models, From, tierLabel: true, new HashSet<string> { "fast" }, null, notes);

        Assert.All(entries, e => Assert.Equal(From, e.EffectiveFrom));
        Assert.Equal(["", "batch", "flex", "priority"], entries.Where(e => e.Model == "gpt-5.6").Select(e => e.Variant).Order(StringComparer.Ordinal));
        Assert.Equal(["", "fast"], entries.Where(e => e.Model == "claude-opus-4-6").Select(e => e.Variant).Order(StringComparer.Ordinal));
        Assert.Equal(6m, entries.Single(e => e.Model == "claude-opus-4-6" && e.Variant == "fast").Multiplier);
        Assert.Equal(2m, entries.Single(e => e.Model == "claude-haiku-4-5").CacheWrite1hPerMTok);
        var needsLabel = Assert.Single(notes, n => n.StartsWith("Variants no label selects", StringComparison.Ordinal));
        Assert.Contains("gpt-5.6 “eu” (1.1×)", needsLabel);
        Assert.Contains("claude-opus-4-6 “us” (1.1×)", needsLabel);
        Assert.DoesNotContain("“fast”", needsLabel);
        var context = Assert.Single(notes, n => n.StartsWith("Context tiers need a label", StringComparison.Ordinal));
        Assert.Contains("gpt-5.6 (above 272k)", context);
        Assert.Contains("claude-sonnet-4-5-20250929 (above 200k)", context);
    }

    [Fact]
    public void Without_a_served_tier_label_no_tier_is_imported_and_the_note_says_how_to_map_one()
    {
        var (models, _, _) = LiteLlmPrices.Parse(Slice);
        List<string> notes = [];

        var entries = LiteLlmPrices.Entries(models, From, tierLabel: false, new HashSet<string>(), ["gpt-5.6"], notes);

        Assert.All(entries, e => Assert.True(e.IsBase));
        var needsLabel = Assert.Single(notes, n => n.StartsWith("Variants no label selects", StringComparison.Ordinal));
        Assert.Contains("map the served tier with Prometheus:Labels:variant", needsLabel);
        Assert.Contains("gpt-5.6 “flex” (0.5×)", needsLabel);
        // Only the model the import keeps is named.
        Assert.DoesNotContain("gpt-5.2", needsLabel);
    }

    [Fact]
    public void A_tier_whose_prices_are_not_one_multiple_keeps_its_own_and_names_those_taken_from_the_base()
    {
        const string json = """{ "m": { "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "cache_read_input_token_cost": 1e-07, "input_cost_per_token_priority": 2e-06, "output_cost_per_token_priority": 5e-06, "provider_specific_entry": { "region": "eu-only" } } }""";
        var (models, problems, _) = LiteLlmPrices.Parse(json);
        List<string> notes = [];

        var entries = LiteLlmPrices.Entries(models, From, tierLabel: true, new HashSet<string>(), null, notes);

        Assert.Empty(problems);
        var priority = entries.Single(e => e.Variant == "priority");
        Assert.Equal((2m, 5m, (decimal?)0.1m, (decimal?)null), (priority.InputPerMTok, priority.OutputPerMTok, priority.CachedInputPerMTok, priority.Multiplier));
        Assert.Contains(notes, n => n.StartsWith("Tiers the file gives only some prices for", StringComparison.Ordinal) && n.Contains("m “priority” (cached input)", StringComparison.Ordinal));
        // A provider-specific value that is not a multiplier is listed, not imported and not an error.
        Assert.Contains(notes, n => n.Contains("m region \"eu-only\"", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Variant == "region");
    }

    [Theory]
    [InlineData("""{ "m": { "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "input_cost_per_token_flex": "cheap" } }""", "\"m\": input_cost_per_token_flex \"cheap\" is not a number")]
    [InlineData("""{ "m": { "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "output_cost_per_token_priority": -1e-06 } }""", "\"m\": output_cost_per_token_priority -1e-06 is negative")]
    [InlineData("""{ "m": { "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "cache_creation_input_token_cost_above_1hr": 3 } }""", "\"m\": cache_creation_input_token_cost_above_1hr 3 per token is $3,000,000.00 per 1M tokens")]
    public void A_bad_tier_or_one_hour_price_refuses_the_file_naming_the_key(string json, string message)
    {
        var (models, problems, _) = LiteLlmPrices.Parse(json);

        Assert.Empty(models);
        Assert.Contains(problems, p => p.ToString().Contains(message, StringComparison.Ordinal));
    }
}
