using CostConsole.Prometheus;

namespace CostConsole.Tests.Unit;

/// <summary>How each built-in profile turns a series' labels (as its upstream writes them) into dimensions.</summary>
public sealed class MetricProfileTests
{
    private static Dimensions Read(string profile, params (string Label, string Value)[] labels) =>
        Dimensions.From(labels.ToDictionary(l => l.Label, l => l.Value), MetricProfile.BuiltIn[profile]);

    [Fact]
    public void Bifrost_teams_come_from_team_name_else_team_id_and_its_method_is_the_operation()
    {
        var named = Read("bifrost", ("model", "gpt-4o"), ("provider", "openai"), ("team_id", "t-81"), ("team_name", "search"), ("method", "chat_completion"), ("feature", "doc-qa"));
        Assert.Equal(new Dimensions("gpt-4o", "openai", "doc-qa", "search", "chat_completion", "", ExtraValues.Encode(new Dictionary<string, string> { ["customer"] = "", ["virtual_key"] = "" })), named);

        var unnamed = Read("bifrost", ("model", "gpt-4o"), ("team_id", "t-81"), ("team_name", ""));
        Assert.Equal("t-81", unnamed.Team);
        Assert.Equal("", Read("bifrost", ("model", "gpt-4o"), ("team_id", ""), ("team_name", "")).Team);
    }

    [Fact]
    public void LiteLLM_teams_come_from_the_alias_else_the_id_and_the_string_None_is_empty()
    {
        Assert.Equal("search", Read("litellm", ("model", "gpt-4o"), ("team", "5f0c-77"), ("team_alias", "search")).Team);
        Assert.Equal("5f0c-77", Read("litellm", ("model", "gpt-4o"), ("team", "5f0c-77"), ("team_alias", "None")).Team);
        Assert.Equal("", Read("litellm", ("model", "gpt-4o"), ("team", "None"), ("team_alias", "None")).Team);
        // The request counter has no model label, only the requested model.
        Assert.Equal("gpt-4o", Read("litellm", ("requested_model", "gpt-4o"), ("team", "None")).Model);
    }

    [Fact]
    public void OpenLLMetry_series_carry_only_the_response_model_and_the_older_provider_label()
    {
        var dims = Read("otel-genai-histogram", ("gen_ai_response_model", "gpt-4o-2024-08-06"), ("gen_ai_system", "openai"), ("gen_ai_operation_name", "chat"), ("gen_ai_token_type", "input"));
        Assert.Equal(new Dimensions("gpt-4o-2024-08-06", "openai", "", "", "chat", ""), dims);

        var both = Read("otel-genai-histogram", ("gen_ai_request_model", "gpt-4o"), ("gen_ai_response_model", "gpt-4o-2024-08-06"), ("gen_ai_provider_name", "openai"), ("gen_ai_system", "other"));
        Assert.Equal(("gpt-4o", "openai"), (both.Model, both.Provider));
        Assert.Equal("anthropic", Read("otel-seed", ("gen_ai_request_model", "claude"), ("gen_ai_system", "anthropic")).Provider);
    }

    [Fact]
    public void Each_profile_says_whether_input_holds_cache_reads_and_writes()
    {
        Assert.Equal(CacheInclusion.Both, MetricProfile.BuiltIn["bifrost"].InputIncludes);
        Assert.Equal(new CacheInclusion(Reads: true, Writes: false), MetricProfile.BuiltIn["litellm"].InputIncludes);
        Assert.True(MetricProfile.BuiltIn["bifrost"].HasCachedSplit);
        Assert.False(MetricProfile.BuiltIn["otel-genai-histogram"].HasCachedSplit);
        Assert.Equal(["gen_ai_client_token_usage_sum", "gen_ai_client_token_usage_token_sum"], MetricProfile.BuiltIn["otel-genai-histogram"].Tokens[TokenType.Input].Names);
    }

    [Fact]
    public void Prometheus_Labels_moves_a_dimension_to_another_label_or_drops_it()
    {
        var options = new PrometheusOptions { Profile = "bifrost", Labels = { ["feature"] = "use_case, feature", ["operation"] = "" } };
        var profile = options.ActiveProfile();
        Assert.Equal(["use_case", "feature"], profile.LabelsOf("feature"));
        Assert.Empty(profile.LabelsOf("operation"));
        Assert.Equal(["team_name", "team_id"], profile.LabelsOf("team"));
        Assert.Equal(["feature"], MetricProfile.BuiltIn["bifrost"].LabelsOf("feature"));
    }

    [Fact]
    public void Extra_dimensions_are_encoded_in_one_column_and_survive_hostile_values()
    {
        var profile = MetricProfile.BuiltIn["bifrost"].WithExtras(new Dictionary<string, IReadOnlyList<string>> { ["environment"] = ["deployment_environment", "env"], ["virtual_key"] = [] });
        Assert.Equal(["customer", "environment"], profile.ExtraNames);
        var hostile = "=cmd|' /C calc'!A0\"}\u001f<script>";
        var encoded = profile.ResolveExtras(new Dictionary<string, string> { ["env"] = hostile, ["customer_id"] = "c-9", ["customer_name"] = "" });
        Assert.Equal(new Dictionary<string, string> { ["customer"] = "c-9", ["environment"] = hostile }, ExtraValues.Decode(encoded));
        // Equal sets encode equally whatever the label order, so the ledger can group by the column.
        Assert.Equal(encoded, profile.ResolveExtras(new Dictionary<string, string> { ["customer_id"] = "c-9", ["env"] = hostile }));
        Assert.Equal("", MetricProfile.BuiltIn["otel-seed"].ResolveExtras(new Dictionary<string, string> { ["x"] = "y" }));
        Assert.Empty(ExtraValues.Decode("not json"));
    }

    [Fact]
    public void A_custom_profile_reads_lists_of_names_and_labels_and_its_own_empty_values()
    {
        var custom = new CustomProfile
        {
            Input = "a_input_total, b_input_total",
            Output = "a_output_total",
            Labels = { ["model"] = "model", ["team"] = "team_name , team" },
            InputIncludesCached = true,
            InputIncludesCacheWrites = false,
            EmptyValues = ["-", "null"],
        };
        Assert.Empty(custom.Problems("mine"));
        var profile = custom.ToProfile("mine");
        Assert.Equal(["a_input_total", "b_input_total"], profile.Tokens[TokenType.Input].Names);
        Assert.Equal(new CacheInclusion(true, false), profile.InputIncludes);
        Assert.Equal("ops", Dimensions.From(new Dictionary<string, string> { ["team_name"] = "-", ["team"] = "ops" }, profile).Team);
        Assert.Equal("", Dimensions.From(new Dictionary<string, string> { ["team_name"] = "null", ["team"] = "-" }, profile).Team);
        Assert.Equal(new CacheInclusion(false, false), new CustomProfile { Input = "i", Output = "o", Labels = { ["model"] = "m" }, InputIncludesCached = false }.ToProfile("x").InputIncludes);
    }
}
