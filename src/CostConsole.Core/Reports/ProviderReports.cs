using System.Globalization;
using System.Text.Json;

namespace CostConsole.Core.Reports;

/// <summary>The provider reports CostConsole reads, and which provider and kind each is.</summary>
public static class ReportSources
{
    /// <summary>Anthropic's Messages usage report: <c>GET /v1/organizations/usage_report/messages</c>.</summary>
    public const string AnthropicUsage = "anthropic-usage";

    /// <summary>Anthropic's cost report: <c>GET /v1/organizations/cost_report</c>.</summary>
    public const string AnthropicCost = "anthropic-cost";

    /// <summary>OpenAI's completions usage: <c>GET /v1/organization/usage/completions</c>.</summary>
    public const string OpenAiUsage = "openai-usage";

    /// <summary>OpenAI's costs: <c>GET /v1/organization/costs</c>.</summary>
    public const string OpenAiCosts = "openai-costs";

    /// <summary>A FOCUS 1.x cost and usage CSV from a cloud bill (Bedrock, Azure OpenAI, Vertex), read through the mapping rules.</summary>
    public const string Focus = "focus";

    /// <summary>The admin APIs' JSON reports.</summary>
    public static readonly IReadOnlyList<string> All = [AnthropicUsage, AnthropicCost, OpenAiUsage, OpenAiCosts];

    /// <summary>Every format an import takes.</summary>
    public static readonly IReadOnlyList<string> Formats = [.. All, Focus];

    public static string ProviderOf(string source) => source switch
    {
        Focus => "",
        _ when source.StartsWith("anthropic", StringComparison.Ordinal) => "anthropic",
        _ => "openai",
    };

    public static bool IsUsage(string source) => source is AnthropicUsage or OpenAiUsage;

    public static string Describe(string source) => source switch
    {
        AnthropicUsage => "Anthropic usage report",
        AnthropicCost => "Anthropic cost report",
        OpenAiUsage => "OpenAI completions usage",
        OpenAiCosts => "OpenAI costs",
        Focus => "FOCUS bill (CSV)",
        _ => source,
    };
}

/// <summary>Tokens of a usage line, split as providers bill them: uncached input, cache reads, 5-minute and 1-hour cache writes, output.</summary>
public sealed record ReportTokens(long Uncached, long CacheRead, long CacheWrite5m, long CacheWrite1h, long Output, long Requests = 0)
{
    public static ReportTokens Zero { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Every input token: uncached, read from the cache, and written to it.</summary>
    public long TotalInput => Uncached + CacheRead + CacheWrite5m + CacheWrite1h;

    public long CacheWrite => CacheWrite5m + CacheWrite1h;

    public ReportTokens Plus(ReportTokens other) => new(Uncached + other.Uncached, CacheRead + other.CacheRead, CacheWrite5m + other.CacheWrite5m,
        CacheWrite1h + other.CacheWrite1h, Output + other.Output, Requests + other.Requests);
}

/// <summary>
/// One line of a provider report for one UTC day: tokens (a usage report) or an amount in USD (a cost report), by
/// model, service tier (the price variant), account (workspace or project) and API key. <see cref="Kind"/> is a cost
/// line's token type or line item; <see cref="TokenCost"/> is false for charges that are not tokens (web search,
/// code execution), which CostConsole does not meter.
/// </summary>
public sealed record ReportLine(DateOnly Day, string Model, string Variant, string Account, string ApiKey, ReportTokens Tokens, decimal AmountUsd, string Kind = "", bool TokenCost = true)
{
    /// <summary>A bill row's raw fields (FOCUS), which the mapping rules turn into a model, variant, token type and team.</summary>
    public BillFields? Bill { get; init; }

    /// <summary>A bill row's tokens, when its unit is tokens; which type they are comes from its mapping rule.</summary>
    public long BillTokens { get; init; }
}

public sealed record ReportProblem(string Where, string Message)
{
    public override string ToString() => $"{Where}: {Message}";
}

/// <summary>A report read from its JSON: the UTC days it covers (<see cref="To"/> exclusive), its lines, or the problems that stop it.</summary>
public sealed record ParsedReport(string Source, DateOnly From, DateOnly To, IReadOnlyList<ReportLine> Lines, IReadOnlyList<ReportProblem> Problems);

/// <summary>
/// Reads the usage and cost reports of Anthropic's and OpenAI's admin APIs, as their API references document them:
/// <list type="bullet">
/// <item>Anthropic (platform.claude.com/docs/en/api/admin/usage_report and /cost_report; the shapes the
/// anthropics/claude-cookbooks observability/usage_cost_api.ipynb reads): <c>{data: [{starting_at, ending_at,
/// results: [...]}], has_more, next_page}</c>; usage results carry <c>uncached_input_tokens</c>,
/// <c>cache_read_input_tokens</c>, <c>cache_creation.ephemeral_5m_input_tokens</c> and
/// <c>.ephemeral_1h_input_tokens</c>, <c>output_tokens</c>, and (when grouped) <c>model</c>, <c>service_tier</c>,
/// <c>workspace_id</c>, <c>api_key_id</c>; cost results carry <c>amount</c>, a decimal string in the currency's
/// lowest unit ("123.45" USD is $1.23), <c>currency</c>, <c>cost_type</c> (tokens, web_search, code_execution),
/// <c>token_type</c>, <c>model</c>, <c>service_tier</c>, <c>workspace_id</c>, <c>description</c>.</item>
/// <item>OpenAI (platform.openai.com/docs/api-reference/usage and /costs): <c>{object: "page", data: [{object:
/// "bucket", start_time, end_time, results: [...]}], has_more, next_page}</c> with Unix-second times; usage results
/// (<c>organization.usage.completions.result</c>) carry <c>input_tokens</c> (cached included),
/// <c>input_cached_tokens</c>, <c>output_tokens</c>, <c>num_model_requests</c>, <c>model</c>, <c>project_id</c>,
/// <c>api_key_id</c>, <c>batch</c>, <c>service_tier</c>; cost results (<c>organization.costs.result</c>) carry
/// <c>amount: {value, currency}</c> in units (currency lowercase), <c>line_item</c> ("&lt;model&gt;, &lt;kind&gt;")
/// and <c>project_id</c>.</item>
/// </list>
/// A file is one response or a JSON array of responses (pages). Every bucket must lie within one UTC day (hourly or
/// minute buckets are summed into their day) and not start in the future; amounts must be USD, the billing currency.
/// Any problem stops the whole file, each naming its page, bucket and result.
/// </summary>
public static class ProviderReports
{
    public const int MaxLines = 500_000;

    /// <summary>The problem of a file without a single time bucket (an upload of nothing); a pull of a period with no usage is fine.</summary>
    public const string NoBuckets = "has no time buckets: nothing to import";

    public static ParsedReport Parse(string source, string json, DateTimeOffset now)
    {
        if (!ReportSources.All.Contains(source))
        {
            return Fail(source, new ReportProblem("format", $"'{Echo.Printable(source)}' is not a report format; use {string.Join(", ", ReportSources.All)}."));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return Fail(source, new ReportProblem($"line {(ex.LineNumber ?? 0) + 1}", $"the file is not valid JSON ({ex.Message.Split(". ")[0].TrimEnd('.')})"));
        }

        using (document)
        {
            var root = document.RootElement;
            List<JsonElement> pages = root.ValueKind switch
            {
                JsonValueKind.Array => [.. root.EnumerateArray()],
                JsonValueKind.Object => [root],
                _ => [],
            };
            var expected = $"the file must be {ReportSources.Describe(source)} as its API returns it: an object with a data array of time buckets (or an array of such pages)";
            if (pages.Count == 0 || pages.Any(p => p.ValueKind != JsonValueKind.Object || !p.TryGetProperty("data", out var d) || d.ValueKind != JsonValueKind.Array))
            {
                return Fail(source, new ReportProblem("file", expected));
            }

            List<ReportLine> lines = [];
            List<ReportProblem> problems = [];
            DateOnly? from = null, to = null;
            var openAi = ReportSources.ProviderOf(source) == "openai";
            for (var p = 0; p < pages.Count; p++)
            {
                var data = pages[p].GetProperty("data");
                var b = 0;
                foreach (var bucket in data.EnumerateArray())
                {
                    var where = pages.Count > 1 ? $"page {p + 1}, bucket {b + 1}" : $"bucket {b + 1}";
                    b++;
                    var day = BucketDay(bucket, openAi, now, where, problems);
                    if (day is null) continue;
                    from = from is { } f && f < day ? f : day;
                    to = to is { } t && t > day.Value.AddDays(1) ? t : day.Value.AddDays(1);
                    if (!bucket.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
                    {
                        problems.Add(new ReportProblem(where, "has no results array"));
                        continue;
                    }

                    var r = 0;
                    foreach (var result in results.EnumerateArray())
                    {
                        r++;
                        var at = $"{where}, result {r}";
                        if (result.ValueKind != JsonValueKind.Object)
                        {
                            problems.Add(new ReportProblem(at, "is not an object"));
                            continue;
                        }

                        var line = source switch
                        {
                            ReportSources.AnthropicUsage => AnthropicUsage(result, day.Value, at, problems),
                            ReportSources.AnthropicCost => AnthropicCost(result, day.Value, at, problems),
                            ReportSources.OpenAiUsage => OpenAiUsage(result, day.Value, at, problems),
                            _ => OpenAiCost(result, day.Value, at, problems),
                        };
                        if (line is not null) lines.Add(line);
                    }

                    if (problems.Count > 200) break;
                }
            }

            if (problems.Count == 0 && from is null)
            {
                problems.Add(new ReportProblem("file", NoBuckets));
            }

            if (lines.Count > MaxLines)
            {
                problems.Add(new ReportProblem("file", $"has {lines.Count:N0} lines; at most {MaxLines:N0} are read at once (import a shorter period)"));
            }

            return problems.Count > 0
                ? new ParsedReport(source, default, default, [], problems)
                : new ParsedReport(source, from!.Value, to!.Value, lines, []);
        }
    }

    private static ParsedReport Fail(string source, ReportProblem problem) => new(source, default, default, [], [problem]);

    private static DateOnly? BucketDay(JsonElement bucket, bool openAi, DateTimeOffset now, string where, List<ReportProblem> problems)
    {
        DateTimeOffset? Time(string name)
        {
            if (!bucket.TryGetProperty(name, out var value)) return null;
            if (openAi)
            {
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds is >= 0 and < 32_503_680_000
                    ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
            }

            return value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? time.ToUniversalTime() : null;
        }

        var (startName, endName) = openAi ? ("start_time", "end_time") : ("starting_at", "ending_at");
        if (bucket.ValueKind != JsonValueKind.Object || Time(startName) is not { } start || Time(endName) is not { } end)
        {
            problems.Add(new ReportProblem(where, $"needs {startName} and {endName} as {(openAi ? "Unix seconds" : "RFC 3339 times")}"));
            return null;
        }

        if (end <= start || DateOnly.FromDateTime(start.UtcDateTime) != DateOnly.FromDateTime(end.UtcDateTime.AddTicks(-1)))
        {
            problems.Add(new ReportProblem(where, $"runs from {start:yyyy-MM-ddTHH:mm}Z to {end:yyyy-MM-ddTHH:mm}Z: a bucket must lie within one UTC day (request bucket_width=1d)"));
            return null;
        }

        if (start > now)
        {
            problems.Add(new ReportProblem(where, $"starts at {start:yyyy-MM-ddTHH:mm}Z, after now: a report cannot cover the future"));
            return null;
        }

        return DateOnly.FromDateTime(start.UtcDateTime);
    }

    private static ReportLine? AnthropicUsage(JsonElement result, DateOnly day, string at, List<ReportProblem> problems)
    {
        var before = problems.Count;
        var uncached = Count(result, "uncached_input_tokens", at, problems, required: true);
        var read = Count(result, "cache_read_input_tokens", at, problems);
        long write5m = 0, write1h = 0;
        if (result.TryGetProperty("cache_creation", out var creation) && creation.ValueKind == JsonValueKind.Object)
        {
            write5m = Count(creation, "ephemeral_5m_input_tokens", at, problems, prefix: "cache_creation.");
            write1h = Count(creation, "ephemeral_1h_input_tokens", at, problems, prefix: "cache_creation.");
        }

        var output = Count(result, "output_tokens", at, problems, required: true);
        var (model, tier, account, key) = (Text(result, "model", at, problems), Tier(Text(result, "service_tier", at, problems)), Text(result, "workspace_id", at, problems), Text(result, "api_key_id", at, problems));
        return problems.Count > before ? null : new ReportLine(day, model, tier, account, key, new ReportTokens(uncached, read, write5m, write1h, output), 0m);
    }

    private static ReportLine? AnthropicCost(JsonElement result, DateOnly day, string at, List<ReportProblem> problems)
    {
        var before = problems.Count;
        var currency = Text(result, "currency", at, problems);
        CheckCurrency(currency.Length == 0 ? "USD" : currency, at, problems);
        decimal cents = 0m;
        if (!result.TryGetProperty("amount", out var amount) || amount.ValueKind != JsonValueKind.String
            || !decimal.TryParse(amount.GetString(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out cents))
        {
            problems.Add(new ReportProblem(at, $"amount {Shown(result, "amount")} is not a decimal string (the lowest currency unit, e.g. \"123.45\" for $1.23)"));
        }
        else if (cents < 0)
        {
            problems.Add(new ReportProblem(at, $"amount {amount.GetString()} is negative"));
        }

        var costType = Text(result, "cost_type", at, problems);
        var tokenType = Text(result, "token_type", at, problems);
        var description = Text(result, "description", at, problems);
        var (model, tier, account) = (Text(result, "model", at, problems), Tier(Text(result, "service_tier", at, problems)), Text(result, "workspace_id", at, problems));
        var tokens = costType is "" or "tokens";
        return problems.Count > before ? null
            : new ReportLine(day, tokens ? model : "", tier, account, "", ReportTokens.Zero, cents / 100m, tokens ? tokenType : (description.Length > 0 ? description : costType), tokens);
    }

    private static ReportLine? OpenAiUsage(JsonElement result, DateOnly day, string at, List<ReportProblem> problems)
    {
        var before = problems.Count;
        if (Text(result, "object", at, problems) is var kind && kind.Length > 0 && kind != "organization.usage.completions.result")
        {
            problems.Add(new ReportProblem(at, $"is a '{Echo.Printable(kind)}', not a completions usage result (organization.usage.completions.result)"));
            return null;
        }

        var input = Count(result, "input_tokens", at, problems, required: true);
        var cached = Count(result, "input_cached_tokens", at, problems);
        var output = Count(result, "output_tokens", at, problems, required: true);
        var requests = Count(result, "num_model_requests", at, problems);
        if (problems.Count == before && cached > input)
        {
            problems.Add(new ReportProblem(at, $"input_cached_tokens {cached} is more than input_tokens {input} (which includes them)"));
        }

        var batch = result.TryGetProperty("batch", out var b) && b.ValueKind == JsonValueKind.True;
        var tier = batch ? "batch" : Tier(Text(result, "service_tier", at, problems));
        var (model, account, key) = (Text(result, "model", at, problems), Text(result, "project_id", at, problems), Text(result, "api_key_id", at, problems));
        return problems.Count > before ? null : new ReportLine(day, model, tier, account, key, new ReportTokens(input - cached, cached, 0, 0, output, requests), 0m);
    }

    private static ReportLine? OpenAiCost(JsonElement result, DateOnly day, string at, List<ReportProblem> problems)
    {
        var before = problems.Count;
        if (Text(result, "object", at, problems) is var kind && kind.Length > 0 && kind != "organization.costs.result")
        {
            problems.Add(new ReportProblem(at, $"is a '{Echo.Printable(kind)}', not a costs result (organization.costs.result)"));
            return null;
        }

        decimal value = 0m;
        if (!result.TryGetProperty("amount", out var amount) || amount.ValueKind != JsonValueKind.Object
            || !amount.TryGetProperty("value", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out value))
        {
            problems.Add(new ReportProblem(at, $"amount {Shown(result, "amount")} is not an object with a numeric value"));
        }
        else
        {
            if (value < 0) problems.Add(new ReportProblem(at, $"amount.value {v.GetRawText()} is negative"));
            var currency = amount.TryGetProperty("currency", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "usd";
            CheckCurrency(currency.ToUpperInvariant(), at, problems);
        }

        var lineItem = Text(result, "line_item", at, problems);
        var account = Text(result, "project_id", at, problems);
        // "<model>, <input|output|cached input…>": the model is the part before the last comma.
        var comma = lineItem.LastIndexOf(", ", StringComparison.Ordinal);
        var (model, part) = comma > 0 ? (lineItem[..comma], lineItem[(comma + 2)..]) : ("", lineItem);
        return problems.Count > before ? null : new ReportLine(day, model, "", account, "", ReportTokens.Zero, value, part, TokenCost: model.Length > 0);
    }

    private static void CheckCurrency(string code, string at, List<ReportProblem> problems)
    {
        if (!Currencies.IsIso4217(code))
        {
            problems.Add(new ReportProblem(at, $"currency '{Echo.Printable(code)}' is not an ISO 4217 currency code"));
        }
        else if (code != "USD")
        {
            problems.Add(new ReportProblem(at, $"currency {code}: reports are read in USD, the billing currency prices are kept in"));
        }
    }

    /// <summary>The tier a report names, as a price variant: standard and default are the base price.</summary>
    private static string Tier(string tier) => tier is "standard" or "default" ? "" : tier;

    private static long Count(JsonElement result, string name, string at, List<ReportProblem> problems, bool required = false, string prefix = "")
    {
        if (!result.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) problems.Add(new ReportProblem(at, $"has no {prefix}{name}"));
            return 0;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var count))
        {
            problems.Add(new ReportProblem(at, $"{prefix}{name} {PrintableJson(value)} is not a whole number of tokens"));
            return 0;
        }

        if (count < 0)
        {
            problems.Add(new ReportProblem(at, $"{prefix}{name} {count} is negative"));
            return 0;
        }

        return count;
    }

    /// <summary>A string field, "" when absent or null; anything else, or a value with control characters, is a problem.</summary>
    private static string Text(JsonElement result, string name, string at, List<ReportProblem> problems)
    {
        if (!result.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return "";
        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(new ReportProblem(at, $"{name} {PrintableJson(value)} is not a string"));
            return "";
        }

        var text = value.GetString()!;
        if (text.Length > 300 || text.Any(char.IsControl))
        {
            problems.Add(new ReportProblem(at, $"{name} '{Echo.Printable(text)}' is longer than 300 characters or contains control characters"));
            return "";
        }

        return text;
    }

    private static string Shown(JsonElement result, string name) => result.TryGetProperty(name, out var value) ? PrintableJson(value) : "(missing)";

    private static string PrintableJson(JsonElement value) => Echo.Printable(value.GetRawText());
}
