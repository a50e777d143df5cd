using CostConsole.Csv;

namespace CostConsole.Tests.Unit;

/// <summary>
/// FOCUS bills read from the specification's own AI billing examples (Golden/focus): their monthly rows are refused
/// with the reason, the same rows by day are read with the model and token type their SkuPriceDetails names, and every
/// kind of bad file is refused naming its line and column.
/// </summary>
public sealed class FocusBillTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "focus", name));

    /// <summary>The example's rows with their month-long charge period made one day (ChargePeriodEnd, ChargePeriodStart follow ChargeFrequency).</summary>
    private static string Daily(string csv) => csv.Replace("Usage-Based,2025-06-01T00:00:00Z,2025-05-01T00:00:00Z,", "Usage-Based,2025-05-02T00:00:00Z,2025-05-01T00:00:00Z,", StringComparison.Ordinal);

    private static ParsedReport Parse(string csv) => FocusBill.Parse(CsvTable.Read(csv), Now);

    [Fact]
    public void The_specification_example_is_refused_for_its_monthly_rows()
    {
        var report = Parse(Golden("per_token_ai_model_api.csv"));

        Assert.Empty(report.Lines);
        Assert.Contains(report.Problems, p => p.ToString() == "line 2: charges 2025-05-01T00:00Z to 2025-06-01T00:00Z: a row must lie within one UTC day (export the bill daily or hourly)");
    }

    [Fact]
    public void Its_rows_by_day_read_the_model_token_type_credential_and_tokens_the_row_names()
    {
        var report = Parse(Daily(Golden("per_token_ai_model_api.csv")));

        Assert.Empty(report.Problems);
        Assert.Equal((new DateOnly(2025, 5, 1), new DateOnly(2025, 5, 2)), (report.From, report.To));
        var (input, output) = (report.Lines[0], report.Lines[1]);
        Assert.Equal((42.00m, 8_400_000L, "solora-saturn-4.8", "input"), (input.AmountUsd, input.BillTokens, input.Bill!.DetailModel, input.Bill.DetailTokenType));
        Assert.Equal((52.50m, 2_100_000L, "output"), (output.AmountUsd, output.BillTokens, output.Bill!.DetailTokenType));
        Assert.Equal(("solora-saturn-4.8-input", "key_01SOLORAPERSON1", "Input tokens consumed by Solora Saturn"), (input.Bill.Sku, input.Bill.ApiKey, input.Bill.Meter));
        // Without a rule, the row's own details map it.
        var rule = ReportMapper.None.ModelRule(input.Bill);
        Assert.Equal(("solora-saturn-4.8", "input"), (rule!.Model, rule.TokenType));
    }

    [Fact]
    public void Cache_reads_and_writes_are_told_apart_by_the_cache_action()
    {
        var report = Parse(Daily(Golden("cached_tokens_via_csp_marketplace.csv")));

        Assert.Empty(report.Problems);
        Assert.Equal(["cached input", "cache write"], report.Lines.Select(l => l.Bill!.DetailTokenType));
        Assert.Equal([50_000_000L, 15_000_000L], report.Lines.Select(l => l.BillTokens));
    }

    [Fact]
    public void A_rule_maps_before_the_row_details_and_a_team_rule_reads_the_credential()
    {
        var line = Parse(Daily(Golden("per_token_ai_model_api.csv"))).Lines[0];
        var mapper = new ReportMapper(
        [
            new MappingRule(10, MappingRule.ModelKind, "sku", "re:solora-saturn-.*-input", "saturn", "batch", "input"),
            new MappingRule(10, MappingRule.TeamKind, "api_key", "key_01SOLORAPERSON1", Team: "research"),
        ]);

        Assert.Equal(("saturn", "batch"), (mapper.ModelRule(line.Bill!)!.Model, mapper.ModelRule(line.Bill!)!.Variant));
        Assert.Equal("research", mapper.TeamOf(line.Account, line.ApiKey, line.Bill!.Tags));
        Assert.Equal("", mapper.TeamOf("acct-other", "key_other"));
    }

    [Theory]
    [InlineData("Colour", "x", "line 1: unknown column 'Colour': FOCUS columns are named as the specification names them, custom ones start with x_")]
    public void An_unknown_column_is_refused(string column, string value, string message)
    {
        var csv = "ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency," + column + "\n2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,1.00,USD," + value + "\n";

        var report = Parse(csv);

        Assert.Empty(report.Lines);
        Assert.Contains(report.Problems, p => p.ToString() == message);
    }

    [Theory]
    [InlineData("2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,1.00,USD,", "")]
    [InlineData("2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,-1.00,USD,", "line 2: BilledCost -1.00 is negative on a usage row")]
    [InlineData("2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,1.00,EURO,", "line 2: BillingCurrency 'EURO' is not an ISO 4217 currency code")]
    [InlineData("2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,1.00,EUR,", "line 2: BillingCurrency EUR: bills are read in USD")]
    [InlineData("2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,lots,USD,", "line 2: BilledCost 'lots' is not a number")]
    [InlineData("yesterday,2026-11-02T00:00:00Z,1.00,USD,", "line 2: ChargePeriodStart 'yesterday' is not a date and time")]
    [InlineData("2026-12-05T00:00:00Z,2026-12-06T00:00:00Z,1.00,USD,", "line 2: ChargePeriodStart 2026-12-05T00:00Z is after now")]
    [InlineData("2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,1.00,USD,not json", "line 2: Tags 'not json' is not a JSON object of keys and values")]
    [InlineData("2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,1.00,USD", "line 2: has 4 cells; the header has 5")]
    public void Each_bad_row_is_named_and_nothing_is_read(string row, string message)
    {
        var report = Parse("ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency,Tags\n" + row + "\n");

        if (message.Length == 0)
        {
            Assert.Empty(report.Problems);
            Assert.Single(report.Lines);
            return;
        }

        Assert.Empty(report.Lines);
        Assert.Contains(report.Problems, p => p.ToString().StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_credit_may_be_negative_and_is_kept_apart_from_usage()
    {
        var report = Parse("ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency,ChargeCategory,ChargeDescription\n2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,-5.00,USD,Credit,Promotional credit\n");

        Assert.Empty(report.Problems);
        var line = Assert.Single(report.Lines);
        Assert.Equal((-5.00m, false, "Credit: Promotional credit"), (line.AmountUsd, line.TokenCost, line.Kind));
    }

    [Theory]
    [InlineData("", "field must be one of sku, resource, meter")]
    [InlineData("sku", "")]
    public void A_model_rule_needs_a_known_field(string field, string message)
    {
        var problems = new MappingRule(0, MappingRule.ModelKind, field, "x", "m").Problems().ToList();

        if (message.Length == 0) Assert.Empty(problems);
        else Assert.Contains(problems, p => p.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(MappingRule.ModelKind, "sku", "re:(", "m", "", "", "match 're:(' is not a valid pattern")]
    [InlineData(MappingRule.ModelKind, "sku", "x", "", "", "", "model is required for a model rule.")]
    [InlineData(MappingRule.ModelKind, "sku", "x", "m", "bulk", "", "tokenType must be empty or one of input")]
    [InlineData(MappingRule.TeamKind, "tag:", "x", "", "", "t", "field must be one of account, api_key, tag:<name>")]
    [InlineData(MappingRule.TeamKind, "account", "x", "", "", "", "team is required for a team rule.")]
    [InlineData("colour", "sku", "x", "m", "", "", "kind must be model or team")]
    [InlineData(MappingRule.ModelKind, "sku", "", "m", "", "", "match is empty")]
    public void A_bad_rule_names_what_is_wrong(string kind, string field, string match, string model, string tokenType, string team, string message)
    {
        var problems = new MappingRule(0, kind, field, match, model, "", tokenType, team).Problems().ToList();

        Assert.Contains(problems, p => p.StartsWith(message, StringComparison.Ordinal));
    }
}
