using CostConsole.Features.Pricing;

namespace CostConsole.Tests.Unit;

/// <summary>Alert values shown with their unit, and never an unrendered template.</summary>
public sealed class AlertUnitsTests
{
    [Theory]
    [InlineData("1.723195701728395e+02", AlertUnits.UsdPerDay, "$172.32 per day")]
    [InlineData("12345.678", AlertUnits.UsdPerDay, "$12,345.68 per day")]
    [InlineData("0.0125", AlertUnits.UsdPerSecond, "$45.00 per hour")]
    [InlineData("1.5e-06", AlertUnits.UsdPerSecond, "<$0.01 per hour")]
    [InlineData("2.5e+03", AlertUnits.TokensPerSecond, "2,500 tokens/s")]
    [InlineData("0.125", AlertUnits.TokensPerSecond, "0.125 tokens/s")]
    [InlineData("1.723195701728395e+02", null, "172")]
    [InlineData("3.14159", "furlongs", "3.14")]
    [InlineData("NaN", AlertUnits.UsdPerDay, "NaN")]
    [InlineData("+Inf", AlertUnits.UsdPerDay, "+Inf")]
    public void A_value_is_shown_with_its_unit_and_never_in_exponent_notation(string value, string? unit, string expected)
    {
        Assert.Equal(expected, AlertUnits.Format(value, unit));
    }

    [Fact]
    public void No_value_stays_no_value() => Assert.Null(AlertUnits.Format(null, AlertUnits.UsdPerDay));

    private static readonly Dictionary<string, string> Templated = new()
    {
        ["summary"] = "LLM spend is running at ${{ $value | printf \"%.2f\" }} per day, over the daily budget of $500.00.",
        ["description"] = "The total cost rate is ${{ $value | printf \"%.4f\" }} per second.",
    };

    [Fact]
    public void An_active_alert_shows_its_rendered_summary()
    {
        var rendered = new Dictionary<string, string> { ["summary"] = "LLM spend is running at $612.00 per day, over the daily budget of $500.00." };

        Assert.Equal(rendered["summary"], AlertUnits.Text(true, rendered, Templated));
    }

    [Fact]
    public void An_inactive_rule_shows_its_condition_rather_than_its_templates()
    {
        var rule = new Dictionary<string, string>(Templated) { [AlertUnits.ConditionAnnotation] = "Fires when the cost rate projects past $500.00 a day." };

        Assert.Equal("Fires when the cost rate projects past $500.00 a day.", AlertUnits.Text(false, new Dictionary<string, string>(), rule));
    }

    [Fact]
    public void An_inactive_rule_of_someone_else_without_a_condition_shows_its_words_without_the_template()
    {
        var text = AlertUnits.Text(false, new Dictionary<string, string>(), Templated);

        Assert.Equal("LLM spend is running at … per day, over the daily budget of $500.00.", text);
        Assert.False(AlertUnits.HasTemplate(text));
    }

    [Fact]
    public void A_template_free_description_is_preferred_to_a_stripped_summary()
    {
        var rule = new Dictionary<string, string> { ["summary"] = "Tokens of {{ $labels.model }} have no price.", ["description"] = "Their cost is missing." };

        Assert.Equal("Their cost is missing.", AlertUnits.Text(false, new Dictionary<string, string>(), rule));
    }
}
