using CostConsole.Prometheus;

namespace CostConsole.Tests.Unit;

public sealed class PromQlTests
{
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData(@"C:\path", "\"C:\\\\path\"")]
    [InlineData("line1\nline2", "\"line1\\nline2\"")]
    [InlineData("tab\there", "\"tab\\there\"")]
    [InlineData("x\"}", "\"x\\\"}\"")]
    [InlineData("x\"} or vector(1) #", "\"x\\\"} or vector(1) #\"")]
    [InlineData("ünïcödé ✓", "\"ünïcödé ✓\"")]
    public void Quote_escapes_every_character_that_could_end_or_bend_the_literal(string value, string expected)
    {
        Assert.Equal(expected, PromQl.Quote(value));
    }

    [Fact]
    public void Quote_writes_other_control_characters_as_unicode_escapes()
    {
        Assert.Equal("\"a\\u0000b\\u001bc\"", PromQl.Quote("a\0b\u001bc"));
    }

    [Fact]
    public void Selector_with_a_classic_name_keeps_the_name_bare()
    {
        var selector = PromQl.Selector("gen_ai_client_token_usage_input_total", LabelMatcher.Equal("feature", "doc-qa"), LabelMatcher.NotEqual("team", ""));
        Assert.Equal("gen_ai_client_token_usage_input_total{feature=\"doc-qa\",team!=\"\"}", selector);
    }

    [Fact]
    public void Selector_quotes_a_utf8_metric_name_inside_the_braces()
    {
        var selector = PromQl.Selector("gen_ai.client.token.usage.input", LabelMatcher.Equal("gen_ai.request.model", "gpt-4o"));
        Assert.Equal("{\"gen_ai.client.token.usage.input\",\"gen_ai.request.model\"=\"gpt-4o\"}", selector);
    }

    [Fact]
    public void Selector_without_matchers_is_just_the_name()
    {
        Assert.Equal("up", PromQl.Selector("up"));
        Assert.Equal("{\"my.metric\"}", PromQl.Selector("my.metric"));
    }

    [Fact]
    public void A_hostile_value_cannot_close_the_selector()
    {
        var selector = PromQl.Selector("m", LabelMatcher.Equal("feature", "a\"}) or on() vector(1) or (m{x=\""));
        // The whole value stays one escaped literal: exactly one unescaped closing brace, at the end.
        Assert.EndsWith("\"}", selector);
        Assert.Equal("m{feature=\"a\\\"}) or on() vector(1) or (m{x=\\\"\"}", selector);
    }

    [Fact]
    public void Unknown_operators_and_empty_names_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PromQl.Matcher(new LabelMatcher("a", "b", "==")));
        Assert.Throws<ArgumentException>(() => PromQl.Selector(""));
        Assert.Throws<ArgumentException>(() => PromQl.MatchersOnly());
    }

    [Theory]
    [InlineData("gen_ai_client_token_usage_input_total", true)]
    [InlineData("job:cost_usd:rate5m", true)]
    [InlineData("gen_ai.client.token.usage", false)]
    [InlineData("9lives", false)]
    [InlineData("", false)]
    public void Classic_metric_names_are_recognised(string name, bool classic)
    {
        Assert.Equal(classic, PromQl.IsClassicMetricName(name));
    }

    [Fact]
    public void EscapeRegex_makes_a_literal_match_only_itself()
    {
        Assert.Equal(@"gpt-4o\.mini\(v2\)\*", PromQl.EscapeRegex("gpt-4o.mini(v2)*"));
    }

    [Fact]
    public void Duration_is_whole_seconds()
    {
        Assert.Equal("3600s", PromQl.Duration(TimeSpan.FromHours(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PromQl.Duration(TimeSpan.FromMilliseconds(1500)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PromQl.Duration(TimeSpan.Zero));
    }
}
