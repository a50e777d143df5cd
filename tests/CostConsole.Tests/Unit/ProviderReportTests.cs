namespace CostConsole.Tests.Unit;

/// <summary>
/// The provider reports read from the admin APIs' documented examples (Golden/reports), and every kind of bad file
/// refused with a message naming where.
/// </summary>
public sealed class ProviderReportTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "reports", name));

    [Fact]
    public void OpenAi_usage_example_reads_input_without_the_cached_part()
    {
        var report = ProviderReports.Parse(ReportSources.OpenAiUsage, Golden("openai-usage-completions.json"), Now);

        Assert.Empty(report.Problems);
        // start_time 1730419200 is 2024-11-01T00:00:00Z; input_tokens 1000 includes the 800 cached.
        Assert.Equal((new DateOnly(2024, 11, 1), new DateOnly(2024, 11, 2)), (report.From, report.To));
        var line = Assert.Single(report.Lines);
        Assert.Equal(new ReportTokens(200, 800, 0, 0, 500, 5), line.Tokens);
        Assert.Equal(1000, line.Tokens.TotalInput);
        Assert.Equal("", line.Model);
    }

    [Fact]
    public void OpenAi_costs_example_reads_the_amount_in_dollars()
    {
        var report = ProviderReports.Parse(ReportSources.OpenAiCosts, Golden("openai-costs.json"), Now);

        Assert.Empty(report.Problems);
        var line = Assert.Single(report.Lines);
        Assert.Equal(0.06m, line.AmountUsd);
        Assert.False(line.TokenCost); // no line item: not attributable to a model
    }

    [Fact]
    public void Anthropic_usage_reads_both_cache_write_durations_and_the_tier()
    {
        var report = ProviderReports.Parse(ReportSources.AnthropicUsage, Golden("anthropic-usage-messages.json"), Now);

        Assert.Empty(report.Problems);
        var line = Assert.Single(report.Lines);
        Assert.Equal(new ReportTokens(1500, 200, 500, 1000, 500), line.Tokens);
        Assert.Equal(("claude-sonnet-4-20250514", "", "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"), (line.Model, line.Variant, line.Account));
        Assert.Equal(new DateOnly(2025, 8, 1), line.Day);
    }

    [Fact]
    public void Anthropic_cost_amounts_are_cents_and_non_token_charges_are_kept_apart()
    {
        var report = ProviderReports.Parse(ReportSources.AnthropicCost, Golden("anthropic-cost-report.json"), Now);

        Assert.Empty(report.Problems);
        var tokens = report.Lines.Single(l => l.TokenCost);
        // "123.78912" USD cents is $1.2378912.
        Assert.Equal((1.2378912m, "uncached_input_tokens", "claude-sonnet-4-20250514"), (tokens.AmountUsd, tokens.Kind, tokens.Model));
        var search = report.Lines.Single(l => !l.TokenCost);
        Assert.Equal((0.50m, "Web Search Usage", ""), (search.AmountUsd, search.Kind, search.Model));
    }

    [Fact]
    public void Pages_in_an_array_and_hourly_buckets_are_summed_into_days()
    {
        const string pages = """
            [ { "data": [ { "starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-01T01:00:00Z", "results": [ { "uncached_input_tokens": 10, "output_tokens": 1, "model": "m" } ] } ] },
              { "data": [ { "starting_at": "2026-11-01T01:00:00Z", "ending_at": "2026-11-01T02:00:00Z", "results": [ { "uncached_input_tokens": 20, "output_tokens": 2, "model": "m" } ] },
                          { "starting_at": "2026-11-02T00:00:00Z", "ending_at": "2026-11-03T00:00:00Z", "results": [] } ] } ]
            """;

        var report = ProviderReports.Parse(ReportSources.AnthropicUsage, pages, Now);

        Assert.Empty(report.Problems);
        Assert.Equal((new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 3)), (report.From, report.To));
        Assert.Equal(30, report.Lines.Sum(l => l.Tokens.Uncached));
    }

    [Theory]
    [InlineData(ReportSources.AnthropicUsage, "{ \"data\": [ { \"starting_at\": \"2026-11-01T00:00:00Z\",\n \"ending_at\": ", "line 2: the file is not valid JSON")]
    [InlineData(ReportSources.AnthropicUsage, """{ "results": [] }""", "file: the file must be Anthropic usage report as its API returns it")]
    [InlineData(ReportSources.AnthropicUsage, """{ "data": [ { "starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", "results": [ { "uncached_input_tokens": -5, "output_tokens": 1 } ] } ] }""", "bucket 1, result 1: uncached_input_tokens -5 is negative")]
    [InlineData(ReportSources.AnthropicUsage, """{ "data": [ { "starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", "results": [ { "output_tokens": 1 } ] } ] }""", "bucket 1, result 1: has no uncached_input_tokens")]
    [InlineData(ReportSources.AnthropicUsage, """{ "data": [ { "starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-03T00:00:00Z", "results": [] } ] }""", "a bucket must lie within one UTC day")]
    [InlineData(ReportSources.AnthropicUsage, """{ "data": [ { "starting_at": "2026-12-05T00:00:00Z", "ending_at": "2026-12-06T00:00:00Z", "results": [] } ] }""", "bucket 1: starts at 2026-12-05T00:00Z, after now")]
    [InlineData(ReportSources.AnthropicCost, """{ "data": [ { "starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", "results": [ { "amount": "-100", "currency": "USD" } ] } ] }""", "bucket 1, result 1: amount -100 is negative")]
    [InlineData(ReportSources.AnthropicCost, """{ "data": [ { "starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", "results": [ { "amount": "100", "currency": "DOLLARS" } ] } ] }""", "currency 'DOLLARS' is not an ISO 4217 currency code")]
    [InlineData(ReportSources.AnthropicCost, """{ "data": [ { "starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", "results": [ { "amount": "100", "currency": "EUR" } ] } ] }""", "currency EUR: reports are read in USD")]
    [InlineData(ReportSources.AnthropicCost, """{ "data": [ { "starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", "results": [ { "amount": 12.5 } ] } ] }""", "amount 12.5 is not a decimal string")]
    [InlineData(ReportSources.OpenAiUsage, """{ "data": [ { "start_time": 1730419200, "end_time": 1730505600, "results": [ { "object": "organization.usage.completions.result", "input_tokens": 10, "input_cached_tokens": 20, "output_tokens": 1 } ] } ] }""", "input_cached_tokens 20 is more than input_tokens 10")]
    [InlineData(ReportSources.OpenAiUsage, """{ "data": [ { "start_time": 1730419200, "end_time": 1730505600, "results": [ { "object": "organization.costs.result" } ] } ] }""", "is a 'organization.costs.result', not a completions usage result")]
    [InlineData(ReportSources.OpenAiUsage, """{ "data": [ { "start_time": "2024-11-01", "end_time": 1730505600, "results": [] } ] }""", "bucket 1: needs start_time and end_time as Unix seconds")]
    [InlineData(ReportSources.OpenAiCosts, """{ "data": [ { "start_time": 1730419200, "end_time": 1730505600, "results": [ { "object": "organization.costs.result", "amount": { "value": 1, "currency": "usx" } } ] } ] }""", "currency 'USX' is not an ISO 4217 currency code")]
    [InlineData(ReportSources.AnthropicUsage, """{ "data": [ { "starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z", "results": [ { "uncached_input_tokens": 1, "output_tokens": 1, "model": "bad\u0007model" } ] } ] }""", "model 'bad?model' is longer than 300 characters or contains control characters")]
    [InlineData("azure-usage", "{}", "format: 'azure-usage' is not a report format")]
    public void A_bad_report_is_refused_naming_where_and_nothing_is_read(string source, string json, string message)
    {
        var report = ProviderReports.Parse(source, json, Now);

        Assert.Empty(report.Lines);
        Assert.Contains(report.Problems, p => p.ToString().Contains(message, StringComparison.Ordinal));
    }
}
