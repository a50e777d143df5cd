using CostConsole.Features.Metrics;

namespace CostConsole.Tests.Components;

public sealed class MetricCheckTests
{
    private static readonly MetricProfile Seed = MetricProfile.BuiltIn["otel-seed"];

    [Fact]
    public void A_counter_exposed_without_total_gets_the_suffix_hint()
    {
        var result = MetricCheck.Check(Seed, ["gen_ai_client_token_usage_input"]).Single(m => m.Metric == "gen_ai_client_token_usage_input_total");
        Assert.False(result.Found);
        Assert.Contains("without the _total suffix", result.Hint);
    }

    [Fact]
    public void A_dotted_utf8_name_is_recognised()
    {
        var result = MetricCheck.Check(Seed, ["gen_ai.client.token.usage.input_total"]).Single(m => m.Metric == "gen_ai_client_token_usage_input_total");
        Assert.Contains("UTF-8 name 'gen_ai.client.token.usage.input_total'", result.Hint);
    }

    [Fact]
    public void A_histogram_profile_checks_its_sum_metric_once()
    {
        var histogram = MetricProfile.BuiltIn["otel-genai-histogram"];
        var result = MetricCheck.Check(histogram, ["gen_ai_client_token_usage_sum"]);
        Assert.Equal(["gen_ai_client_token_usage_sum"], result.Select(m => m.Metric));
        Assert.True(result.Single().Found);
    }

    [Fact]
    public void A_counter_found_under_its_other_name_counts_as_found()
    {
        var histogram = MetricProfile.BuiltIn["otel-genai-histogram"];
        var result = MetricCheck.Check(histogram, ["gen_ai_client_token_usage_token_sum", "gen_ai_client_token_usage_token_count"]);
        Assert.Equal([("gen_ai_client_token_usage_token_sum", true)], result.Select(m => (m.Metric, m.Found)));

        var missing = MetricCheck.Check(histogram, ["up"]).Single();
        Assert.Equal("gen_ai_client_token_usage_sum", missing.Metric);
        Assert.Contains("Also looked for: gen_ai_client_token_usage_token_sum", missing.Hint);
    }

    [Fact]
    public void Every_built_in_profile_names_input_and_output()
    {
        Assert.Equal(["bifrost", "litellm", "otel-genai-histogram", "otel-seed"], MetricProfile.BuiltIn.Keys.Order(StringComparer.Ordinal));
        Assert.All(MetricProfile.BuiltIn.Values, p =>
        {
            Assert.True(p.Tokens.ContainsKey(TokenType.Input));
            Assert.True(p.Tokens.ContainsKey(TokenType.Output));
        });
    }
}
