using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Price variants end to end, against a real Prometheus holding counters with the OTel service-tier label
/// (openai_response_service_tier): the served tier selects the variant; a multiplier variant follows the base price
/// through its change, a variant with its own prices keeps them, "default" and no label are the base, and a tier with
/// no entry (priority) is priced as the base and said so. Every figure is the hour-by-hour ground truth.
/// </summary>
public sealed class PriceVariantTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);
    private const int Hours = 3;
    private const string Model = "gpt-4o";

    // (tier label value or null for none, input tokens per 10 minutes, output tokens per 10 minutes), two pods each.
    private static readonly (string? Tier, long Input, long Output)[] Series =
    [
        (null, 700, 90), ("default", 1_000, 100), ("flex", 2_000, 300), ("batch", 5_000, 50), ("priority", 300, 40),
    ];

    /// <summary>Base price (input, output $/MTok) in an hour: it changes two hours in.</summary>
    private static (decimal Input, decimal Output) BaseAt(int hour) => hour < 2 ? (2.5m, 10m) : (3m, 12m);

    private static (decimal Input, decimal Output) PriceOf(string variant, int hour) => variant switch
    {
        "flex" => (BaseAt(hour).Input * 0.5m, BaseAt(hour).Output * 0.5m),
        "batch" => (1.25m, 5m),
        _ => BaseAt(hour),
    };

    private static string Text() => CounterFixture.Write(Start, Hours,
        from family in new[] { "gen_ai_client_token_usage_input", "gen_ai_client_token_usage_output" }
        from s in Series
        from pod in new[] { 0, 1 }
        select (family, $"job=\"app\",instance=\"pod-{pod}\",gen_ai_request_model=\"{Model}\",feature=\"search\"" + (s.Tier is null ? "" : $",openai_response_service_tier=\"{s.Tier}\""),
            family.EndsWith("output", StringComparison.Ordinal) ? s.Output : s.Input),
        baseline: 500);

    private static async Task<HttpResponseMessage> PostPriceAsync(HttpClient engineer, Dictionary<string, object?> body)
    {
        var stamp = (await engineer.GetFromJsonAsync<JsonElement>("/api/v1/prices")).GetProperty("models").EnumerateArray()
            .Where(m => m.GetProperty("model").GetString() == Model).Select(m => m.GetProperty("stamp").GetString()).FirstOrDefault();
        if (stamp is not null) body["stamp"] = stamp;
        body["model"] = Model;
        body["confirm"] = true;
        return await engineer.PostAsJsonAsync("/api/v1/prices", body);
    }

    [Fact]
    public async Task The_served_tier_selects_its_price_and_a_tier_without_one_is_priced_as_the_base_and_flagged()
    {
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: Text());
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?> { ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture) },
            new ShiftedTimeProvider(Start.AddHours(Hours + 1)));
        var engineer = await app.SignedInAsync(Roles.Engineer);
        foreach (var body in new Dictionary<string, object?>[]
        {
            new() { ["effectiveFrom"] = "2026-11-01T00:00:00Z", ["input"] = "2.5", ["output"] = "10" },
            new() { ["effectiveFrom"] = Start.AddHours(2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), ["input"] = "3", ["output"] = "12" },
            new() { ["effectiveFrom"] = "2026-11-01T00:00:00Z", ["variant"] = "flex", ["multiplier"] = "0.5" },
            new() { ["effectiveFrom"] = "2026-11-01T00:00:00Z", ["variant"] = "batch", ["input"] = "1.25", ["output"] = "5" },
        })
        {
            using var created = await PostPriceAsync(engineer, body);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        Assert.Equal(Hours, await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(Hours)));

        var finance = await app.SignedInAsync(Roles.Finance);
        var window = $"from={Start:yyyy-MM-ddTHH:mm:ssZ}&to={Start.AddHours(Hours):yyyy-MM-ddTHH:mm:ssZ}";
        var byVariant = JsonDocument.Parse(await finance.GetStringAsync($"/api/v1/spend?{window}&groupBy=variant")).RootElement;
        var rows = byVariant.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("variant").GetString()!);
        Assert.Equal(Series.Select(s => s.Tier ?? "").Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        var totalCost = 0m;
        foreach (var (tier, input, output) in Series)
        {
            // Two pods, six steps an hour.
            var (tokensIn, tokensOut) = (2 * 6 * input, 2 * 6 * output);
            var cost = Enumerable.Range(0, Hours).Sum(h => (tokensIn * PriceOf(tier ?? "", h).Input + tokensOut * PriceOf(tier ?? "", h).Output) / 1_000_000m);
            var row = rows[tier ?? ""];
            Assert.Equal(tokensIn * Hours, row.GetProperty("inputTokens").GetInt64());
            Assert.Equal(tokensOut * Hours, row.GetProperty("outputTokens").GetInt64());
            Assert.Equal(decimal.Round(cost, 6), row.GetProperty("costUsd").GetDecimal());
            Assert.Equal(0, row.GetProperty("unpricedTokens").GetInt64());
            totalCost += cost;
        }

        Assert.Equal(decimal.Round(totalCost, 6), byVariant.GetProperty("totals").GetProperty("costUsd").GetDecimal());
        var warnings = byVariant.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Contains(warnings, w => w.Contains("Variant “priority” has no price for gpt-4o: priced as the base (standard) price.", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, w => w.Contains("“flex”", StringComparison.Ordinal) || w.Contains("“default”", StringComparison.Ordinal));

        // The FOCUS file has one row per tier, its variant in Tags, and says which tier was priced at the base.
        var focus = CostConsole.Csv.CsvTable.Read(await finance.GetStringAsync($"/api/v1/exports/focus?{window}"));
        var column = focus[0].Fields.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
        var focusRows = focus.Skip(1).Select(r => r.Fields).ToList();
        string TierOf(string[] row) => JsonDocument.Parse(row[column["Tags"]]).RootElement.TryGetProperty("variant", out var v) ? v.GetString()! : "";
        foreach (var (tier, cost) in rows.Select(r => (r.Key, r.Value.GetProperty("costUsd").GetDecimal())))
        {
            var ofTier = focusRows.Where(r => TierOf(r) == tier).ToList();
            Assert.Equal(cost, ofTier.Sum(r => decimal.Parse(r[column["BilledCost"]], CultureInfo.InvariantCulture)));
            Assert.All(ofTier, r => Assert.Equal(tier == "priority", r[column["ChargeDescription"]].Contains("(priority tier priced at the base: no price of its own)", StringComparison.Ordinal)));
        }

        Assert.Equal(rows.Count, focusRows.Select(TierOf).Distinct().Count());
        Assert.Equal(2 * 6 * Hours * Series.Sum(s => s.Input), focusRows.Sum(r => long.Parse(r[column["x_InputTokens"]], CultureInfo.InvariantCulture)));

        // A filter on the variant narrows to it, exactly.
        var flex = JsonDocument.Parse(await finance.GetStringAsync($"/api/v1/spend?{window}&groupBy=model&variant=flex")).RootElement;
        Assert.Equal(rows["flex"].GetProperty("costUsd").GetDecimal(), flex.GetProperty("totals").GetProperty("costUsd").GetDecimal());
        Assert.Equal(2 * 6 * Hours * 2_000L, flex.GetProperty("totals").GetProperty("inputTokens").GetInt64());

        // What changed takes the variant as its first grouping when asked.
        var changes = await finance.GetStringAsync("/changes?a=2026-11-11..2026-11-11&b=2026-11-12..2026-11-12&tz=UTC&by=variant");
        Assert.True(changes.IndexOf("By variant", StringComparison.Ordinal) is >= 0 and var at && at < changes.IndexOf("By feature", StringComparison.Ordinal), "the variant section comes first");

        // The price list and its CSV carry the variants.
        var list = await engineer.GetFromJsonAsync<JsonElement>("/api/v1/prices");
        var flexEntry = list.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("entry").GetProperty("variant").GetString() == "flex").GetProperty("entry");
        Assert.Equal(0.5m, flexEntry.GetProperty("multiplier").GetDecimal());
        Assert.Equal(JsonValueKind.Null, flexEntry.GetProperty("input").ValueKind);
    }

    [Theory]
    [InlineData("{\"variant\":\"\",\"multiplier\":\"0.5\"}", "A multiplier prices a variant as a multiple of the base price")]
    [InlineData("{\"variant\":\"default\",\"input\":\"1\",\"output\":\"2\"}", "already means the base price")]
    [InlineData("{\"variant\":\"flex\",\"multiplier\":\"abc\"}", "is not a number greater than 0 and at most 100")]
    [InlineData("{\"variant\":\"flex\",\"multiplier\":\"0\"}", "is not a number greater than 0 and at most 100")]
    [InlineData("{\"variant\":\"flex\",\"multiplier\":\"0.5\",\"input\":\"1\",\"output\":\"2\"}", "Give either prices or a multiplier")]
    [InlineData("{\"variant\":\"re:fl.*\",\"multiplier\":\"0.5\"}", "patterns are for models only")]
    [InlineData("{\"variant\":\"flex\\u0007\",\"multiplier\":\"0.5\"}", "contains control characters")]
    public async Task A_bad_variant_entry_is_refused_with_its_message_and_nothing_changes(string fields, string message)
    {
        using var app = new AppFactory("http://127.0.0.1:9");
        var engineer = await app.SignedInAsync(Roles.Engineer);
        using (var first = await PostPriceAsync(engineer, new() { ["effectiveFrom"] = "2026-11-01T00:00:00Z", ["input"] = "2.5", ["output"] = "10" }))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var before = await engineer.GetStringAsync("/api/v1/prices");
        var body = JsonSerializer.Deserialize<Dictionary<string, object?>>(fields)!;
        body["effectiveFrom"] = "2026-11-05T00:00:00Z";
        using var refused = await PostPriceAsync(engineer, body);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(message, await refused.Content.ReadAsStringAsync());
        Assert.Equal(before, await engineer.GetStringAsync("/api/v1/prices"));
    }
}
