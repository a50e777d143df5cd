using System.Text.RegularExpressions;

namespace CostConsole.Core.Reports;

/// <summary>
/// One mapping rule, tried in <see cref="Order"/>: a model rule turns a bill row's SKU, resource or meter into a model
/// (and, where the row says, a price variant and token type); a team rule turns an account (a workspace, a project, a
/// cloud sub-account), an API key or a tag into a team. <see cref="Match"/> is the exact text, or <c>re:</c> and a
/// regular expression that must match the whole value.
/// </summary>
public sealed record MappingRule(int Order, string Kind, string Field, string Match, string Model = "", string Variant = "", string TokenType = "", string Team = "")
{
    public const string ModelKind = "model";
    public const string TeamKind = "team";

    /// <summary>Fields a model rule reads: the FOCUS SkuId, ResourceName (or ResourceId) and ChargeDescription (the meter).</summary>
    public static readonly IReadOnlyList<string> ModelFields = ["sku", "resource", "meter"];

    /// <summary>Fields a team rule reads: the account (workspace, project, SubAccountId or SubAccountName), the API key, or tag:&lt;name&gt;.</summary>
    public static readonly IReadOnlyList<string> TeamFields = ["account", "api_key", "tag:"];

    /// <summary>Token types a model rule may name, in the words the reconciliation uses.</summary>
    public static readonly IReadOnlyList<string> TokenTypes = ["", "input", "cached input", "cache write", "1-hour cache write", "output"];

    public const int MaxLength = 300;

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    public bool IsPattern => Match.StartsWith("re:", StringComparison.Ordinal);

    public bool Matches(string value)
    {
        if (!IsPattern) return string.Equals(value, Match, StringComparison.Ordinal);
        try
        {
            return Regex.IsMatch(value, $"^(?:{Match[3..]})$", RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Every problem with the rule, each naming its field; none means it can be saved.</summary>
    public IEnumerable<string> Problems()
    {
        if (Kind is not (ModelKind or TeamKind)) yield return $"kind must be {ModelKind} or {TeamKind} (was '{Echo.Printable(Kind)}').";
        var fields = Kind == TeamKind ? TeamFields : ModelFields;
        var known = Field.StartsWith("tag:", StringComparison.Ordinal) ? Kind == TeamKind && Field.Length > 4 : fields.Contains(Field);
        if (!known)
            yield return $"field must be one of {string.Join(", ", fields.Select(f => f == "tag:" ? "tag:<name>" : f))} (was '{Echo.Printable(Field)}').";
        foreach (var (name, text) in new[] { ("match", Match), ("model", Model), ("variant", Variant), ("team", Team), ("field", Field) })
        {
            if (text.Length > MaxLength || text.Any(char.IsControl)) yield return $"{name} is longer than {MaxLength} characters or contains control characters.";
        }

        if (Match.Length == 0 || Match == "re:") yield return "match is empty: give the exact value, or re: and a pattern.";
        else if (IsPattern)
        {
            string? bad = null;
            try
            {
                _ = new Regex(Match[3..], RegexOptions.CultureInvariant, RegexTimeout);
            }
            catch (ArgumentException ex)
            {
                bad = ex.Message;
            }

            if (bad is not null) yield return $"match '{Echo.Printable(Match)}' is not a valid pattern ({Echo.Printable(bad)}).";
        }

        if (Kind == ModelKind && Model.Trim().Length == 0) yield return "model is required for a model rule.";
        if (Kind == ModelKind && !TokenTypes.Contains(TokenType)) yield return $"tokenType must be empty or one of {string.Join(", ", TokenTypes.Skip(1))} (was '{Echo.Printable(TokenType)}').";
        if (Kind == TeamKind && Team.Trim().Length == 0) yield return "team is required for a team rule.";
    }
}

/// <summary>The raw fields of a bill row a rule can read (FOCUS: SkuId, ResourceName, ChargeDescription, SubAccountId/Name, Tags).</summary>
public sealed record BillFields(string Sku, string Resource, string Meter, string Account, string ApiKey, IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>The model and token type the row itself names (FOCUS SkuPriceDetails), used when no rule matches.</summary>
    public string DetailModel { get; init; } = "";

    public string DetailTokenType { get; init; } = "";
}

/// <summary>Applies the rules: the first model rule that matches gives the model, the first team rule the team.</summary>
public sealed class ReportMapper(IEnumerable<MappingRule> rules)
{
    private readonly List<MappingRule> _model = [.. rules.Where(r => r.Kind == MappingRule.ModelKind).OrderBy(r => r.Order)];
    private readonly List<MappingRule> _team = [.. rules.Where(r => r.Kind == MappingRule.TeamKind).OrderBy(r => r.Order)];

    public static ReportMapper None { get; } = new([]);

    /// <summary>The first model rule that matches; else what the row itself names (its SkuPriceDetails), as a rule; else null.</summary>
    public MappingRule? ModelRule(BillFields row) => _model.FirstOrDefault(r => r.Field switch
    {
        "sku" => r.Matches(row.Sku),
        "resource" => r.Matches(row.Resource),
        _ => r.Matches(row.Meter),
    }) ?? (row.DetailModel.Length > 0 ? new MappingRule(0, MappingRule.ModelKind, "sku", row.Sku, row.DetailModel, "", row.DetailTokenType) : null);

    /// <summary>The team of an account, API key or tags; "" when no rule matches.</summary>
    public string TeamOf(string account, string apiKey, IReadOnlyDictionary<string, string>? tags = null) => _team.FirstOrDefault(r => r.Field switch
    {
        "account" => account.Length > 0 && r.Matches(account),
        "api_key" => apiKey.Length > 0 && r.Matches(apiKey),
        _ => tags is not null && tags.TryGetValue(r.Field[4..], out var value) && r.Matches(value),
    })?.Team ?? "";
}
