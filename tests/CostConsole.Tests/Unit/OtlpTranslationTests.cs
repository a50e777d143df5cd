using CostConsole.Features.Pricing;
using CostConsole.Prometheus;

namespace CostConsole.Tests.Unit;

/// <summary>
/// The OpenTelemetry profiles under each Prometheus 3 OTLP translation strategy: the series names and labels they query,
/// as PromQL (Debian's Prometheus 2 cannot store dotted names, so these are checked as text).
/// </summary>
public sealed class OtlpTranslationTests
{
    private static string Selector(MetricProfile profile, TokenType type, int name = 0)
    {
        var metric = profile.Tokens[type];
        return PromQl.Selector(metric.Names[name], metric.Matchers.Select(m => LabelMatcher.Equal(m.Key, m.Value)));
    }

    private static MetricProfile Seed(OtlpTranslation strategy) => new PrometheusOptions { Profile = "otel-seed", OtlpTranslation = strategy }.ActiveProfile();

    private static MetricProfile Histogram(OtlpTranslation strategy) => new PrometheusOptions { Profile = "otel-genai-histogram", OtlpTranslation = strategy }.ActiveProfile();

    [Theory]
    [InlineData(OtlpTranslation.UnderscoreEscapingWithSuffixes, "gen_ai_client_token_usage_input_total", "gen_ai_client_requests_total", "gen_ai_request_model")]
    [InlineData(OtlpTranslation.UnderscoreEscapingWithoutSuffixes, "gen_ai_client_token_usage_input", "gen_ai_client_requests", "gen_ai_request_model")]
    [InlineData(OtlpTranslation.NoUTF8EscapingWithSuffixes, "{\"gen_ai.client.token.usage.input_total\"}", "gen_ai.client.requests_total", "gen_ai.request.model")]
    [InlineData(OtlpTranslation.NoTranslation, "{\"gen_ai.client.token.usage.input\"}", "gen_ai.client.requests", "gen_ai.request.model")]
    public void The_seed_counters_are_queried_by_the_names_each_strategy_stores(OtlpTranslation strategy, string input, string requests, string model)
    {
        var profile = Seed(strategy);
        Assert.Equal(input, Selector(profile, TokenType.Input));
        Assert.Equal(requests, profile.RequestsMetric!.Metric);
        Assert.Equal(model, profile.LabelsOf("model")[0]);
        // Labels the application adds itself keep their names.
        Assert.Equal(["feature"], profile.LabelsOf("feature"));
    }

    [Theory]
    [InlineData(OtlpTranslation.UnderscoreEscapingWithSuffixes, "gen_ai_client_token_usage_sum{gen_ai_token_type=\"input\"}", "gen_ai_client_token_usage_token_sum{gen_ai_token_type=\"input\"}")]
    [InlineData(OtlpTranslation.UnderscoreEscapingWithoutSuffixes, "gen_ai_client_token_usage_sum{gen_ai_token_type=\"input\"}", null)]
    [InlineData(OtlpTranslation.NoUTF8EscapingWithSuffixes, "{\"gen_ai.client.token.usage_sum\",\"gen_ai.token.type\"=\"input\"}", "{\"gen_ai.client.token.usage_token_sum\",\"gen_ai.token.type\"=\"input\"}")]
    [InlineData(OtlpTranslation.NoTranslation, "{\"gen_ai.client.token.usage_sum\",\"gen_ai.token.type\"=\"input\"}", null)]
    public void The_token_histogram_is_queried_under_each_unit_it_may_carry(OtlpTranslation strategy, string semconvUnit, string? tokenUnit)
    {
        var profile = Histogram(strategy);
        Assert.Equal(semconvUnit, Selector(profile, TokenType.Input));
        Assert.Equal(tokenUnit is null ? 1 : 2, profile.Tokens[TokenType.Input].Names.Count);
        if (tokenUnit is not null) Assert.Equal(tokenUnit, Selector(profile, TokenType.Input, 1));
    }

    [Fact]
    public void The_default_strategy_gives_the_names_the_exporters_write()
    {
        foreach (var name in new[] { "otel-seed", "otel-genai-histogram" })
        {
            var builtIn = MetricProfile.BuiltIn[name];
            var translated = builtIn.WithOtlp(OtlpTranslation.UnderscoreEscapingWithSuffixes);
            Assert.Equal(builtIn.MetricNames, translated.MetricNames);
            Assert.Equal(builtIn.DimensionLabels.OrderBy(d => d.Key).SelectMany(d => d.Value), translated.DimensionLabels.OrderBy(d => d.Key).SelectMany(d => d.Value));
        }

        // Gateways are not OpenTelemetry instruments: nothing to translate.
        Assert.Same(MetricProfile.BuiltIn["bifrost"], MetricProfile.BuiltIn["bifrost"].WithOtlp(OtlpTranslation.NoTranslation));
    }

    [Fact]
    public void Dotted_labels_are_read_and_quoted_wherever_PromQL_names_them()
    {
        var profile = Histogram(OtlpTranslation.NoTranslation);
        var dims = Dimensions.From(new Dictionary<string, string> { ["gen_ai.response.model"] = "gpt-4o-2024-08-06", ["gen_ai.system"] = "openai" }, profile);
        Assert.Equal(("gpt-4o-2024-08-06", "openai"), (dims.Model, dims.Provider));

        // The cost rules copy the response model into the request model's label where that one is empty.
        var rate = CostRules.TokenRate(profile.Tokens[TokenType.Input], [profile.LabelsOf("model")], "by (\"gen_ai.request.model\")");
        Assert.Equal(
            "sum by (\"gen_ai.request.model\") (rate({\"gen_ai.client.token.usage_sum\",\"gen_ai.token.type\"=\"input\",\"gen_ai.request.model\"!=\"\"}[5m])"
            + " or label_replace(rate({\"gen_ai.client.token.usage_sum\",\"gen_ai.token.type\"=\"input\",\"gen_ai.request.model\"=\"\",\"gen_ai.response.model\"!=\"\"}[5m]), \"gen_ai.request.model\", \"$1\", \"gen_ai.response.model\", \"(.+)\")"
            + " or rate({\"gen_ai.client.token.usage_sum\",\"gen_ai.token.type\"=\"input\",\"gen_ai.request.model\"=\"\",\"gen_ai.response.model\"=\"\"}[5m]))",
            rate);
    }

    [Theory]
    [InlineData("gen_ai.client.token.usage", "{token}", OtelKind.HistogramSum, "gen_ai_client_token_usage_sum")]
    [InlineData("http.server.request.duration", "s", OtelKind.HistogramSum, "http_server_request_duration_seconds_sum")]
    [InlineData("my-app..tokens", "1", OtelKind.Counter, "my_app_tokens_total")]
    [InlineData("tokens_total", "{token}", OtelKind.Counter, "tokens_total")]
    public void Names_follow_the_compatibility_rules(string name, string unit, OtelKind kind, string expected)
    {
        Assert.Equal(expected, new OtelInstrument(name, unit, kind).SeriesName(OtlpTranslation.UnderscoreEscapingWithSuffixes));
    }
}
