using CostConsole.Features.Pricing;

namespace CostConsole.Tests.Unit;

public sealed class PriceCsvTests
{
    private static string File(params string[] lines) => string.Join("\n", [PriceCsv.Header, .. lines]);

    [Fact]
    public void A_good_file_reads_every_entry_with_optional_prices_left_empty()
    {
        var (entries, problems) = PriceCsv.Parse(File(
            "gpt-4o-2024-11-20,2026-01-01T00:00:00Z,2.50,10.00,1.25,",
            "re:claude-3-5-.*,2026-02-01T13:00:00Z,3,15,0.30,3.75"));

        Assert.Empty(problems);
        Assert.Equal(2, entries.Count);
        Assert.Equal(new PriceEntry("gpt-4o-2024-11-20", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 2.50m, 10.00m, 1.25m, null), entries[0]);
        Assert.True(entries[1].IsPattern);
        Assert.Equal(3.75m, entries[1].CacheWritePerMTok);
    }

    [Theory]
    [InlineData("m,2026-01-01T00:00:00Z,-1,2,,", "input_usd_per_mtok -1 is negative")]
    [InlineData("m,2026-01-01T00:00:00Z,abc,2,,", "input_usd_per_mtok 'abc' is not a number")]
    [InlineData("m,2026-01-01T00:00:00Z,,2,,", "input_usd_per_mtok is required")]
    [InlineData("m,2026-01-01T00:00:00Z,1,2500000,,", "is over 10,000 USD per 1M tokens")]
    [InlineData("m,2026-01-01T00:30:00Z,1,2,,", "is not on the hour")]
    [InlineData("m,yesterday,1,2,,", "is not an ISO 8601 time")]
    [InlineData("m,2026-01-01T00:00:00,1,2,,", "is not an ISO 8601 time with a zone")]
    [InlineData("m,2026-01-01T00:00:00Z,1,2,,,extra", "expected 6 comma-separated fields, found 7")]
    [InlineData("re:(unclosed,2026-01-01T00:00:00Z,1,2,,", "not a valid regular expression")]
    [InlineData(",2026-01-01T00:00:00Z,1,2,,", "the model is empty")]
    [InlineData("m,2026-01-01T00:00:00Z,1,2,", "expected 6 comma-separated fields, found 5")]
    public void A_bad_line_is_reported_by_number_and_nothing_is_read(string badLine, string message)
    {
        var (entries, problems) = PriceCsv.Parse(File("good-model,2026-01-01T00:00:00Z,1,2,,", badLine));

        Assert.Empty(entries);
        var problem = Assert.Single(problems);
        Assert.Equal(3, problem.Line);
        Assert.Contains(message, problem.Message);
    }

    [Fact]
    public void The_same_model_and_hour_twice_in_one_file_names_both_lines()
    {
        var (entries, problems) = PriceCsv.Parse(File("m,2026-01-01T00:00:00Z,1,2,,", "m,2026-01-01T00:00:00Z,3,4,,"));

        Assert.Empty(entries);
        Assert.Equal(3, problems.Single().Line);
        Assert.Contains("on line 2", problems.Single().Message);
    }

    [Fact]
    public void A_wrong_header_or_an_empty_file_is_refused()
    {
        Assert.Contains("header must be exactly", PriceCsv.Parse("model,price\nm,1").Problems.Single().Message);
        Assert.Contains("no price lines", PriceCsv.Parse(PriceCsv.Header + "\n\n").Problems.Single().Message);
    }

    [Theory]
    [InlineData("line\u2028break")]
    [InlineData("para\u2029graph")]
    [InlineData("next\u0085line")]
    [InlineData("'=1+1")]
    public void Model_names_that_would_break_rules_or_spreadsheets_are_refused(string model)
    {
        Assert.NotEmpty(PriceValidation.ValidateModel(model));
    }

    [Fact]
    public void Models_with_commas_separators_formula_starts_and_non_ascii_survive_an_export_and_an_import()
    {
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        PriceEntry[] entries =
        [
            new("csv,probe", from, 1m, 2m),
            new("ops;=1+1", from, 1m, 2m),
            new("-leading-dash", from, 1m, 2m),
            new("=cmd|' /C calc'!A0", from, 1m, 2m),
            new("モデル-ü-ß", from, 1m, 2m, 0.5m),
            PriceEntry.Retirement("csv,probe", from.AddHours(5)),
        ];

        var file = PriceCsv.Write(entries);
        var (read, problems) = PriceCsv.Parse(file);

        Assert.Empty(problems);
        Assert.Equal(entries.OrderBy(e => e.Model, StringComparer.Ordinal).ThenBy(e => e.EffectiveFrom), read);
        // In the file itself, no cell a spreadsheet would run.
        Assert.All(Csv.CsvTable.Read(file, restore: false).SelectMany(r => r.Fields), cell => Assert.False(cell.Length > 0 && "=+-@".Contains(cell[0]) && !decimal.TryParse(cell, out _), cell));
    }

    [Fact]
    public void Written_prices_read_back_the_same()
    {
        PriceEntry[] entries =
        [
            new("gpt-4o-mini", new DateTimeOffset(2024, 7, 18, 0, 0, 0, TimeSpan.Zero), 0.15m, 0.60m),
            new("re:claude-.*", new DateTimeOffset(2026, 1, 1, 5, 0, 0, TimeSpan.Zero), 3m, 15m, 0.3m, 3.75m),
        ];

        var (read, problems) = PriceCsv.Parse(PriceCsv.Write(entries));

        Assert.Empty(problems);
        Assert.Equal(entries.OrderBy(e => e.Model, StringComparer.Ordinal), read);
    }
}
