using CostConsole.Core.Metrics;
using CostConsole.Features.Pricing;

namespace CostConsole.Tests.Unit;

/// <summary>Price variants in the book and the CSV: own prices, a multiplier of the base in force, base-like names, flags.</summary>
public sealed class PriceVariantBookTests
{
    private static readonly DateTimeOffset Nov1 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Nov10 = new(2026, 11, 10, 13, 0, 0, TimeSpan.Zero);

    private static readonly PriceBook Book = new(
    [
        new PriceEntry("gpt-4o", Nov1, 2.5m, 10m, 1.25m),
        new PriceEntry("gpt-4o", Nov10, 3m, 12m, 1.5m),
        new PriceEntry("gpt-4o", Nov1, 0m, 0m, Variant: "flex", Multiplier: 0.5m),
        new PriceEntry("gpt-4o", Nov1, 1.25m, 5m, Variant: "batch"),
        new PriceEntry("gpt-4o", Nov10, 0m, 0m, Retired: true, Variant: "batch"),
        new PriceEntry("re:gemini-.*", Nov1, 0m, 0m, Variant: "priority", Multiplier: 1.8m),
        new PriceEntry("gemini-2.5-pro", Nov1, 1.25m, 10m),
    ]);

    [Theory]
    [InlineData("", false)]
    [InlineData("default", false)]
    [InlineData("standard", false)]
    public void Base_like_variants_are_the_base_price_and_not_flagged(string variant, bool flagged)
    {
        var (price, asBase) = Book.PriceFor("gpt-4o", variant, Nov1.AddHours(5));
        Assert.Equal(2.5m, price!.InputPerMTok);
        Assert.Equal(flagged, asBase);
    }

    [Fact]
    public void A_multiplier_variant_follows_the_base_through_its_change()
    {
        var before = Book.PriceFor("gpt-4o", "flex", Nov10.AddHours(-1)).Price!;
        var after = Book.PriceFor("gpt-4o", "flex", Nov10).Price!;
        Assert.Equal((1.25m, 5m, 0.625m), (before.InputPerMTok, before.OutputPerMTok, before.CachedInputPerMTok));
        Assert.Equal((1.5m, 6m, 0.75m), (after.InputPerMTok, after.OutputPerMTok, after.CachedInputPerMTok));
        // Billed: 1M input of which 200k cached, 100k output, at the scaled prices.
        var cost = CostFormula.CostAt(Book, "gpt-4o", Nov10, new TokenCounts(1_000_000, 200_000, 0, 100_000), CacheInclusion.Both, "flex");
        Assert.Equal((800_000 * 1.5m + 200_000 * 0.75m + 100_000 * 6m) / 1_000_000m, cost.CostUsd);
        Assert.False(cost.VariantAsBase);
    }

    [Fact]
    public void Own_prices_hold_until_the_variant_is_retired_then_it_is_priced_as_the_base_and_flagged()
    {
        Assert.Equal((1.25m, false), (Book.PriceFor("gpt-4o", "batch", Nov10.AddHours(-1)).Price!.InputPerMTok, Book.PriceFor("gpt-4o", "batch", Nov10.AddHours(-1)).AsBase));
        var retired = Book.PriceFor("gpt-4o", "batch", Nov10);
        Assert.Equal((3m, true), (retired.Price!.InputPerMTok, retired.AsBase));
    }

    [Fact]
    public void A_variant_pattern_prices_every_model_it_matches_and_an_unknown_variant_is_flagged()
    {
        Assert.Equal(1.25m * 1.8m, Book.PriceFor("gemini-2.5-pro", "priority", Nov1).Price!.InputPerMTok);
        var unknown = Book.PriceFor("gpt-4o", "priority", Nov1);
        Assert.Equal((2.5m, true), (unknown.Price!.InputPerMTok, unknown.AsBase));
        // No base price: unpriced, and not flagged as a variant (it is reported as unpriced instead).
        Assert.Equal((null, false), Book.PriceFor("claude-x", "priority", Nov1));
        Assert.Equal((null, false), Book.PriceFor("claude-x", "flex", Nov1));
    }

    [Fact]
    public void Csv_reads_variant_and_multiplier_columns_in_any_order_and_old_files_still_import()
    {
        var (entries, problems) = PriceCsv.Parse(string.Join("\n",
            PriceCsv.Header + ",multiplier,variant",
            "gpt-4o,2026-11-01T00:00:00Z,2.5,10,,,,",
            "gpt-4o,2026-11-01T00:00:00Z,,,,,0.5,flex",
            "gpt-4o,2026-11-01T00:00:00Z,1.25,5,,,,batch"));
        Assert.Empty(problems);
        Assert.Equal(
            [new PriceEntry("gpt-4o", Nov1, 2.5m, 10m), new PriceEntry("gpt-4o", Nov1, 0m, 0m, Variant: "flex", Multiplier: 0.5m), new PriceEntry("gpt-4o", Nov1, 1.25m, 5m, Variant: "batch")],
            entries);

        // The export writes every column, and reads back the same entries.
        var written = PriceCsv.Write(entries);
        Assert.StartsWith(PriceCsv.FullHeader, written, StringComparison.Ordinal);
        Assert.Equal(entries.OrderBy(e => e.Variant, StringComparer.Ordinal), PriceCsv.Parse(written).Entries.OrderBy(e => e.Variant, StringComparer.Ordinal));
        Assert.Empty(PriceCsv.Parse(PriceCsv.HeaderWithRetired + "\ngpt-4o,2026-11-01T00:00:00Z,2.5,10,,,false").Problems);
    }

    [Fact]
    public void Csv_reads_the_1h_cache_write_price_and_writes_it_back()
    {
        var (entries, problems) = PriceCsv.Parse(string.Join("\n",
            PriceCsv.Header + ",cache_write_1h_usd_per_mtok",
            "claude-sonnet-4-5,2026-11-01T00:00:00Z,3,15,0.30,3.75,6",
            "claude-haiku-4-5,2026-11-01T00:00:00Z,1,5,0.10,1.25,"));
        Assert.Empty(problems);
        Assert.Equal([6m, null], entries.Select(e => e.CacheWrite1hPerMTok));
        Assert.Equal(entries.OrderBy(e => e.Model, StringComparer.Ordinal), PriceCsv.Parse(PriceCsv.Write(entries)).Entries);
        Assert.Contains("cache_write_1h_usd_per_mtok -6 is negative", PriceCsv.Parse(PriceCsv.Header + ",cache_write_1h_usd_per_mtok\nm,2026-11-01T00:00:00Z,3,15,,,-6").Problems.Single().Message);
    }

    [Theory]
    [InlineData(",0.5", "A multiplier prices a variant as a multiple of the base price")]
    [InlineData("flex,-1", "is not a number greater than 0 and at most 100")]
    [InlineData("default,", "already means the base price")]
    [InlineData("flex,x", "is not a number greater than 0 and at most 100")]
    public void A_bad_variant_line_is_reported_and_nothing_is_read(string variantAndMultiplier, string message)
    {
        var (entries, problems) = PriceCsv.Parse(string.Join("\n", PriceCsv.Header + ",variant,multiplier", "gpt-4o,2026-11-01T00:00:00Z,2.5,10,,," + variantAndMultiplier));
        Assert.Empty(entries);
        Assert.Contains(message, Assert.Single(problems).Message);
    }

    [Fact]
    public void A_multiplier_line_with_prices_and_an_unknown_column_are_refused()
    {
        Assert.Contains("leaves its prices empty", PriceCsv.Parse(string.Join("\n", PriceCsv.Header + ",variant,multiplier", "gpt-4o,2026-11-01T00:00:00Z,2.5,10,,,flex,0.5")).Problems.Single().Message);
        Assert.Contains("the header must be exactly", PriceCsv.Parse(PriceCsv.Header + ",tier\ngpt-4o,2026-11-01T00:00:00Z,2.5,10,,,flex").Problems.Single().Message);
    }
}
