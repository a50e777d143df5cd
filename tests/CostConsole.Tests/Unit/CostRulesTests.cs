using System.Diagnostics;
using CostConsole.Features.Metrics;
using CostConsole.Features.Pricing;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.Unit;

/// <summary>The exported rules pass the real <c>promtool check rules</c> for every built-in profile, and the price gauge reads as it should.</summary>
public sealed class CostRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private static readonly PriceBook Book = new(
    [
        new PriceEntry("gpt-4o-2024-11-20", Now.AddDays(-30), 2.50m, 10.00m, 1.25m),
        new PriceEntry("re:claude-3-5-.*", Now.AddDays(-30), 3m, 15m, 0.3m, 3.75m),
        new PriceEntry("old-model", Now.AddDays(-60), 1m, 2m),
        PriceEntry.Retirement("old-model", Now.AddDays(-1)),
        new PriceEntry("weird\"model\\name", Now.AddDays(-30), 1m, 2m),
    ]);

    private static readonly string[] Seen = ["gpt-4o-2024-11-20", "claude-3-5-sonnet", "old-model", "gemini-1.5-flash"];

    public static TheoryData<string, RuleVariant> Profiles()
    {
        var data = new TheoryData<string, RuleVariant>();
        foreach (var profile in MetricProfile.BuiltIn.Keys)
        {
            data.Add(profile, RuleVariant.Gauge);
            data.Add(profile, RuleVariant.Inline);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task The_rules_pass_promtool_check_rules(string profile, RuleVariant variant)
    {
        var yaml = CostRules.Write(MetricProfile.BuiltIn[profile], variant, new RuleSettings(250m), PriceMetrics.InForce(Book, Seen, Now), Now);

        var (code, output) = await PromtoolCheckAsync(yaml);

        Assert.True(code == 0, $"promtool check rules failed ({code}):\n{output}\n{yaml}");
        // One token-rate record per priced token type, the 1-hour writes included (reasoning has none: it costs as the
        // output it is part of), then cost, total and unpriced records, then three alerts.
        var priced = MetricProfile.BuiltIn[profile].Tokens.Keys.Count(t => t is not TokenType.Reasoning);
        Assert.Contains($"SUCCESS: {priced + 6} rules found", output);
    }

    [Fact]
    public void The_inline_variant_writes_each_price_per_token_and_the_cached_difference()
    {
        var yaml = CostRules.Write(MetricProfile.BuiltIn["otel-seed"], RuleVariant.Inline, new RuleSettings(250m), PriceMetrics.InForce(Book, Seen, Now), Now);

        // input 2.50 and output 10.00 per 1M; cached 1.25 is a subset of input, so it adds 1.25 − 2.50 per token.
        Assert.Contains("costconsole:tokens_input:rate5m{gen_ai_request_model=\"gpt-4o-2024-11-20\"} * 0.0000025,", yaml);
        Assert.Contains("costconsole:tokens_output:rate5m{gen_ai_request_model=\"gpt-4o-2024-11-20\"} * 0.00001,", yaml);
        Assert.Contains("costconsole:tokens_cached_input:rate5m{gen_ai_request_model=\"gpt-4o-2024-11-20\"} * -0.00000125,", yaml);
        // The pattern priced the seen claude model; the retired model and the unpriced one are not in it.
        Assert.Contains("{gen_ai_request_model=\"claude-3-5-sonnet\"} * 0.000003,", yaml);
        Assert.DoesNotContain("\"old-model\"}", yaml);
        Assert.DoesNotContain("gemini", yaml);
        Assert.Contains("costconsole:cost_usd_per_second:total * 86400 > 250", yaml);
    }

    [Fact]
    public void The_gauge_lists_every_priced_model_and_token_type_with_escaped_labels()
    {
        var inForce = PriceMetrics.InForce(Book, Seen, Now);
        var text = PriceMetrics.Write(inForce, unpricedModels: 2);

        Assert.Equal(["claude-3-5-sonnet", "gpt-4o-2024-11-20", "weird\"model\\name"], inForce.Keys);
        Assert.Contains("costconsole_price_usd_per_token{model=\"gpt-4o-2024-11-20\",token_type=\"input\"} 0.0000025\n", text);
        Assert.Contains("costconsole_price_usd_per_token{model=\"gpt-4o-2024-11-20\",token_type=\"cached_input\"} 0.00000125\n", text);
        // No cache-write price: billed at the input price, and the gauge says so.
        Assert.Contains("costconsole_price_usd_per_token{model=\"gpt-4o-2024-11-20\",token_type=\"cache_write\"} 0.0000025\n", text);
        Assert.Contains("costconsole_price_usd_per_token{model=\"claude-3-5-sonnet\",token_type=\"cache_write\"} 0.00000375\n", text);
        Assert.Contains("costconsole_price_usd_per_token{model=\"weird\\\"model\\\\name\",token_type=\"output\"} 0.000002\n", text);
        Assert.Contains("costconsole_unpriced_models 2\n", text);
        Assert.Equal(3 * 5, text.Split('\n').Count(l => l.StartsWith("costconsole_price_usd_per_token{", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Variant_prices_are_gauged_with_their_label_and_the_rules_join_them_by_tier()
    {
        var book = new PriceBook([.. Book.Entries, new PriceEntry("gpt-4o-2024-11-20", Now.AddDays(-1), 0m, 0m, Variant: "flex", Multiplier: 0.5m),
            new PriceEntry("re:claude-.*", Now.AddDays(-1), 0m, 0m, Variant: "batch", Multiplier: 0.5m)]);
        var variants = PriceMetrics.VariantsInForce(book, Seen, Now);
        var text = PriceMetrics.Write(PriceMetrics.InForce(book, Seen, Now), 0, variants);

        Assert.Equal([("claude-3-5-sonnet", "batch"), ("gpt-4o-2024-11-20", "flex")], variants.Keys);
        // Half of the base in force (input 2.50 and 3.00 per 1M).
        Assert.Contains("costconsole_price_usd_per_token{model=\"gpt-4o-2024-11-20\",variant=\"flex\",token_type=\"input\"} 0.00000125\n", text);
        Assert.Contains("costconsole_price_usd_per_token{model=\"claude-3-5-sonnet\",variant=\"batch\",token_type=\"input\"} 0.0000015\n", text);

        var gauge = CostRules.Write(MetricProfile.BuiltIn["otel-seed"], RuleVariant.Gauge, new RuleSettings(250m), PriceMetrics.InForce(book, Seen, Now), Now, variants);
        // The token rates keep the served tier; the variants' gauge is joined on model and tier, the base's on the model.
        Assert.Contains("sum by (feature, gen_ai_request_model, openai_response_service_tier) (", gauge);
        Assert.Contains("label_replace(label_replace(max by (model, variant) (costconsole_price_usd_per_token{token_type=\"input\",variant!=\"\"}), \"gen_ai_request_model\", \"$1\", \"model\", \"(.*)\"), \"openai_response_service_tier\", \"$1\", \"variant\", \"(.*)\")", gauge);
        Assert.Contains("costconsole_price_usd_per_token{token_type=\"input\",variant=\"\"}", gauge);

        var inline = CostRules.Write(MetricProfile.BuiltIn["otel-seed"], RuleVariant.Inline, new RuleSettings(250m), PriceMetrics.InForce(book, Seen, Now), Now, variants);
        // The base term leaves out the tier that has its own entry; that tier's term has half the price.
        Assert.Contains("costconsole:tokens_input:rate5m{gen_ai_request_model=\"gpt-4o-2024-11-20\",openai_response_service_tier!~\"flex\"} * 0.0000025,", inline);
        Assert.Contains("costconsole:tokens_input:rate5m{gen_ai_request_model=\"gpt-4o-2024-11-20\",openai_response_service_tier=\"flex\"} * 0.00000125,", inline);
        foreach (var yaml in new[] { gauge, inline })
        {
            var (code, output) = await PromtoolCheckAsync(yaml);
            Assert.True(code == 0, $"promtool check rules failed ({code}):\n{output}\n{yaml}");
        }
    }

    [Fact]
    public void One_hour_cache_writes_add_their_price_over_the_write_price()
    {
        var book = new PriceBook([new PriceEntry("claude-x", Now.AddDays(-1), 3m, 15m, 0.3m, 3.75m, CacheWrite1hPerMTok: 6m)]);
        var text = PriceMetrics.Write(PriceMetrics.InForce(book, [], Now), 0);
        var inline = CostRules.Write(MetricProfile.BuiltIn["bifrost"], RuleVariant.Inline, new RuleSettings(250m), PriceMetrics.InForce(book, [], Now), Now);

        Assert.Contains("costconsole_price_usd_per_token{model=\"claude-x\",token_type=\"cache_write_1h\"} 0.000006\n", text);
        // 6.00 − 3.75 per 1M on top of the write price every write already pays.
        Assert.Contains("costconsole:tokens_cache_write_1h:rate5m{model=\"claude-x\"} * 0.00000225,", inline);
    }

    [Theory]
    [InlineData(0, 3, 1, "costconsole-cost", "dailyBudget must be more than 0")]
    [InlineData(100, 1, 1, "costconsole-cost", "spikeFactor must be more than 1")]
    [InlineData(100, 3, -1, "costconsole-cost", "spikeFloor must be 0 or more")]
    [InlineData(100, 3, 1, "bad name\n- injected", "group must be")]
    public void Bad_rule_settings_are_refused(int budget, int factor, int floor, string group, string message)
    {
        Assert.Contains(new RuleSettings(budget, factor, floor, group).Problems(), p => p.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Models_with_line_separators_do_not_break_the_rules_file()
    {
        // A pattern prices models whose names carry characters YAML takes for line breaks; the inline rules name each.
        var book = new PriceBook([new PriceEntry("re:line.*", Now.AddDays(-1), 1m, 2m)]);
        string[] seen = ["line\u2028separator", "line\u2029paragraph", "line\u0085next", "line\rreturn"];

        var yaml = CostRules.Write(MetricProfile.BuiltIn["otel-seed"], RuleVariant.Inline, new RuleSettings(250m), PriceMetrics.InForce(book, seen, Now), Now);
        var (code, output) = await PromtoolCheckAsync(yaml);

        Assert.True(code == 0, $"promtool check rules failed ({code}):\n{output}\n{yaml}");
        Assert.DoesNotContain('\u2028', yaml);
        Assert.Contains("line\\u2028separator", yaml);
    }

    public static async Task<(int Code, string Output)> PromtoolCheckAsync(string yaml)
    {
        var file = Path.Combine(Path.GetTempPath(), $"costconsole-rules-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            var info = new ProcessStartInfo(PrometheusServer.FindBinary("promtool")) { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add("check");
            info.ArgumentList.Add("rules");
            info.ArgumentList.Add(file);
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await error);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
