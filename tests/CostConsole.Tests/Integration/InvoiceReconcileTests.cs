using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Reconciliation with provider reports, against a real Prometheus holding the counters: Anthropic usage and cost
/// reports built here from the same ground truth agree to the token and the cent where they should, and each planted
/// difference is flagged with its cause — a model CostConsole has no price for, a price 10% off (its implied price),
/// cached tokens counted twice, usage only in the report, usage only in CostConsole. Re-importing replaces; an
/// import over part of another, or of the future, is refused with nothing stored.
/// </summary>
public sealed class InvoiceReconcileTests
{
    // Two UTC days of two hours each: 2026-11-12 22:00–24:00 and 2026-11-13 00:00–02:00.
    private static readonly DateTimeOffset Start = new(2026, 11, 12, 22, 0, 0, TimeSpan.Zero);
    private const int Hours = 4;
    private const int StepsPerDay = 12;
    private static readonly string[] Days = ["2026-11-12", "2026-11-13"];

    /// <summary>A model's true usage per 10-minute step (enough that a 10% price gap is over the $0.01 floor): uncached input, cache reads, output.</summary>
    private sealed record Usage(string Model, string Provider, long Uncached, long Cached, long Output);

    private static readonly Usage Exact = new("claude-sonnet-4-5", "anthropic", 80000, 20000, 10000);
    private static readonly Usage Unpriced = new("claude-opus-4-1", "anthropic", 50000, 0, 5000);
    private static readonly Usage OffPrice = new("claude-sonnet-4", "anthropic", 80000, 0, 8000);
    private static readonly Usage Twice = new("claude-3-7-sonnet", "anthropic", 30000, 10000, 3000);
    private static readonly Usage OnlyHere = new("claude-3-haiku", "anthropic", 10000, 0, 1000);
    private static readonly Usage OtherProvider = new("gpt-4o-mini", "openai", 100000, 0, 10000);
    private static readonly Usage OnlyThere = new("claude-3-5-haiku", "anthropic", 40000, 0, 4000);

    /// <summary>(input, cached, output) USD per 1M as CostConsole has them; the report bills claude-sonnet-4's input at 3.30.</summary>
    private static readonly Dictionary<string, (decimal Input, decimal Cached, decimal Output)> CostConsolePrices = new()
    {
        [Exact.Model] = (3m, 0.3m, 15m),
        [OffPrice.Model] = (3m, 3m, 15m),
        [Twice.Model] = (3m, 0.3m, 15m),
        [OnlyHere.Model] = (0.25m, 0.25m, 1.25m),
    };

    private static (decimal Input, decimal Cached, decimal Output) BilledPrice(string model) => model switch
    {
        "claude-opus-4-1" => (15m, 1.5m, 75m),
        "claude-sonnet-4" => (3.30m, 3.30m, 15m),
        "claude-3-5-haiku" => (0.8m, 0.08m, 4m),
        _ => CostConsolePrices[model],
    };

    private static string Counters() => CounterFixture.Write(Start, Hours,
        from u in new[] { Exact, Unpriced, OffPrice, Twice, OnlyHere, OtherProvider }
        from s in new (string Family, long PerStep)[]
        {
            // The input counter includes cached tokens (otel-seed); the app behind claude-3-7-sonnet adds them twice.
            ("gen_ai_client_token_usage_input", u.Uncached + u.Cached + (u == Twice ? u.Cached : 0)),
            ("gen_ai_client_token_usage_cached_input", u.Cached),
            ("gen_ai_client_token_usage_output", u.Output),
        }
        where s.PerStep > 0
        select (s.Family, $"job=\"app\",instance=\"pod-0\",gen_ai_request_model=\"{u.Model}\",gen_ai_provider_name=\"{u.Provider}\",feature=\"chat\"", s.PerStep));

    /// <summary>The report's models per day: everything Anthropic billed (the claude-3-haiku usage never reached it; claude-3-5-haiku ran only on the second day).</summary>
    private static IEnumerable<Usage> Billed(string day) => day == Days[0] ? [Exact, Unpriced, OffPrice, Twice] : [Exact, Unpriced, OffPrice, Twice, OnlyThere];

    private static string UsageReport(IEnumerable<string> days) => Report(days, day => Billed(day).Select(u => (JsonNode)new JsonObject
    {
        ["uncached_input_tokens"] = u.Uncached * StepsPerDay,
        ["cache_creation"] = new JsonObject { ["ephemeral_1h_input_tokens"] = 0, ["ephemeral_5m_input_tokens"] = 0 },
        ["cache_read_input_tokens"] = u.Cached * StepsPerDay,
        ["output_tokens"] = u.Output * StepsPerDay,
        ["server_tool_use"] = new JsonObject { ["web_search_requests"] = 0 },
        ["api_key_id"] = null, ["workspace_id"] = null,
        ["model"] = u.Model,
        ["service_tier"] = "standard",
    }));

    private static string CostReport(IEnumerable<string> days) => Report(days, day => Billed(day).SelectMany(u =>
    {
        var p = BilledPrice(u.Model);
        return new[] { ("uncached_input_tokens", u.Uncached * p.Input), ("cache_read_input_tokens", u.Cached * p.Cached), ("output_tokens", u.Output * p.Output) }
            .Where(t => t.Item2 > 0)
            .Select(t => (JsonNode)new JsonObject
            {
                ["currency"] = "USD",
                // USD per step × steps / 1M tokens, in cents.
                ["amount"] = (t.Item2 * StepsPerDay / 1_000_000m * 100m).ToString(CultureInfo.InvariantCulture),
                ["workspace_id"] = null,
                ["description"] = $"{u.Model} {t.Item1}",
                ["cost_type"] = "tokens",
                ["context_window"] = "0-200k",
                ["model"] = u.Model,
                ["service_tier"] = "standard",
                ["token_type"] = t.Item1,
            });
    }).Append(new JsonObject
    {
        ["currency"] = "USD", ["amount"] = "50", ["workspace_id"] = null, ["description"] = "Web Search Usage", ["cost_type"] = "web_search",
        ["context_window"] = null, ["model"] = null, ["service_tier"] = null, ["token_type"] = null,
    }));

    private static string Report(IEnumerable<string> days, Func<string, IEnumerable<JsonNode>> results) => new JsonObject
    {
        ["data"] = new JsonArray([.. days.Select(day => (JsonNode)new JsonObject
        {
            ["starting_at"] = $"{day}T00:00:00Z",
            ["ending_at"] = $"{DateOnly.Parse(day, CultureInfo.InvariantCulture).AddDays(1):yyyy-MM-dd}T00:00:00Z",
            ["results"] = new JsonArray([.. results(day)]),
        })]),
        ["has_more"] = false,
        ["next_page"] = null,
    }.ToJsonString();

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(HttpClient client, string format, string json, bool dryRun = false)
    {
        using var response = await client.PostAsync($"/api/v1/reconcile/reports?format={format}&dryRun={(dryRun ? "true" : "false")}", new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task Each_row_agrees_or_is_flagged_with_its_cause_and_imports_replace_whole_periods()
    {
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: Counters());
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?> { ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture) },
            new ShiftedTimeProvider(Start.AddHours(Hours + 1)));
        var engineer = await app.SignedInAsync(Roles.Engineer);
        foreach (var (model, (input, cached, output)) in CostConsolePrices)
        {
            using var created = await engineer.PostAsJsonAsync("/api/v1/prices", new Dictionary<string, object?>
            {
                ["model"] = model, ["effectiveFrom"] = "2026-11-01T00:00:00Z", ["input"] = input.ToString(CultureInfo.InvariantCulture),
                ["output"] = output.ToString(CultureInfo.InvariantCulture), ["cachedInput"] = cached.ToString(CultureInfo.InvariantCulture), ["confirm"] = true,
            });
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        Assert.Equal(Hours, await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(Hours)));
        var finance = await app.SignedInAsync(Roles.Finance);

        // A dry run stores nothing; the imports then do.
        var (dryStatus, dry) = await ImportAsync(finance, "anthropic-usage", UsageReport(Days), dryRun: true);
        Assert.Equal(HttpStatusCode.OK, dryStatus);
        Assert.Equal((Days[0], "2026-11-14", 9), (dry.GetProperty("from").GetString(), dry.GetProperty("to").GetString(), dry.GetProperty("lines").GetInt32()));
        Assert.Empty((await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/reports")).EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(finance, "anthropic-usage", UsageReport(Days))).Status);
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(finance, "anthropic-cost", CostReport(Days))).Status);

        var answer = await finance.GetFromJsonAsync<JsonElement>($"/api/v1/reconcile/invoice?from={Days[0]}&to=2026-11-14");
        var rows = answer.GetProperty("rows").EnumerateArray().ToDictionary(r => (r.GetProperty("day").GetString()!, r.GetProperty("model").GetString()!));
        JsonElement Row(string day, Usage u) => rows[(day, u.Model)];

        foreach (var day in Days)
        {
            // Exact: the same tokens and, to the cent, the same cost.
            var exact = Row(day, Exact);
            var p = CostConsolePrices[Exact.Model];
            var truth = StepsPerDay * (Exact.Uncached * p.Input + Exact.Cached * p.Cached + Exact.Output * p.Output) / 1_000_000m;
            Assert.Equal(("none", false), (exact.GetProperty("cause").GetString(), exact.GetProperty("flagged").GetBoolean()));
            Assert.Equal(truth, exact.GetProperty("costConsoleUsd").GetDecimal());
            Assert.Equal(truth, exact.GetProperty("reportUsd").GetDecimal());
            Assert.Equal(0, exact.GetProperty("tokenDifference").GetInt64());
            Assert.Equal(StepsPerDay * (Exact.Uncached + Exact.Cached), exact.GetProperty("reportTokens").GetProperty("inputTokens").GetInt64());

            Assert.Equal("unpriced", Row(day, Unpriced).GetProperty("cause").GetString());

            var off = Row(day, OffPrice);
            Assert.Equal("price-differs", off.GetProperty("cause").GetString());
            Assert.Contains("Tokens equal, cost differs: implied $3.30/M vs $3.00/M (input)", off.GetProperty("explanation").GetString());
            Assert.Equal(3.30m, off.GetProperty("implied").GetProperty("impliedPerMTok").GetDecimal());
            Assert.Equal($"/prices?model=claude-sonnet-4&add=1&from={day}T00:00:00Z&input=3.3", off.GetProperty("implied").GetProperty("addPriceUrl").GetString());

            var twice = Row(day, Twice);
            Assert.Equal("cached-counted-twice", twice.GetProperty("cause").GetString());
            Assert.Equal(-StepsPerDay * Twice.Cached, twice.GetProperty("tokenDifference").GetInt64());

            Assert.Equal("only-in-costconsole", Row(day, OnlyHere).GetProperty("cause").GetString());
            Assert.Equal("not-tokens", rows[(day, "")].GetProperty("cause").GetString());
            Assert.False(rows.ContainsKey((day, OtherProvider.Model)), "no OpenAI report: gpt-4o-mini is not compared");
        }

        Assert.Equal("only-in-report", Row(Days[1], OnlyThere).GetProperty("cause").GetString());
        Assert.False(rows.ContainsKey((Days[0], OnlyThere.Model)));
        // Flagged: per day unpriced, price, twice, only-here; and the only-in-report row.
        Assert.Equal(2 * 4 + 1, answer.GetProperty("flaggedRows").GetInt32());
        var billed = Days.Sum(day => Billed(day).Sum(u =>
        {
            var b = BilledPrice(u.Model);
            return StepsPerDay * (u.Uncached * b.Input + u.Cached * b.Cached + u.Output * b.Output) / 1_000_000m + 0m;
        }) + 0.50m);
        Assert.Equal(billed, answer.GetProperty("reportUsd").GetDecimal());
        Assert.Contains(answer.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("of providers no imported report covers", StringComparison.Ordinal));

        // The month's summary: on Finance's overview (not on an Engineer's) and in the org digest.
        var summary = await app.Services.GetRequiredService<CostConsole.Features.Spend.IBillSummaryNote>().LatestAsync();
        Assert.NotNull(summary);
        var costConsoleMoney = CostConsole.Core.Spend.SpendFormat.Money(answer.GetProperty("costConsoleUsd").GetDecimal());
        var reportMoney = CostConsole.Core.Spend.SpendFormat.Money(answer.GetProperty("reportUsd").GetDecimal());
        Assert.StartsWith($"November 2026 (to November 13): CostConsole {costConsoleMoney}, provider reports {reportMoney}, ", summary!.Text);
        Assert.EndsWith(", 9 flagged rows", summary.Text);
        var overview = await finance.GetStringAsync("/");
        Assert.Contains("data-testid=\"bill-summary\"", overview);
        Assert.Contains($"November 2026 (to November 13): CostConsole {costConsoleMoney}, provider reports {reportMoney}", System.Net.WebUtility.HtmlDecode(overview));
        Assert.DoesNotContain("data-testid=\"bill-summary\"", await engineer.GetStringAsync("/"));
        var digest = await app.Services.GetRequiredService<CostConsole.Features.Digests.DigestComposer>().ComposeAsync(null, new DateOnly(2026, 11, 13), TimeZoneInfo.Utc);
        Assert.Equal(summary.Text, digest.Bill!.Text);

        // Importing the same period again replaces it: the same rows, one import replaced.
        var (againStatus, again) = await ImportAsync(finance, "anthropic-cost", CostReport(Days));
        Assert.Equal(HttpStatusCode.OK, againStatus);
        Assert.Single(again.GetProperty("replaces").EnumerateArray());
        var after = await finance.GetFromJsonAsync<JsonElement>($"/api/v1/reconcile/invoice?from={Days[0]}&to=2026-11-14");
        Assert.Equal(answer.GetProperty("rows").GetRawText(), after.GetProperty("rows").GetRawText());
        var history = (await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/reports")).EnumerateArray().ToList();
        Assert.Equal(3, history.Count);
        Assert.Single(history, h => h.GetProperty("replacedBy").ValueKind == JsonValueKind.Number);
        Assert.All(history, h => Assert.StartsWith("finance-", h.GetProperty("actor").GetString()));

        // Part of an earlier import, and the future, are refused; nothing changes.
        var (partialStatus, partial) = await ImportAsync(finance, "anthropic-usage", UsageReport([Days[1]]));
        Assert.Equal(HttpStatusCode.BadRequest, partialStatus);
        Assert.Contains(partial.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("overlaps part of the import of 2026-11-12 – 2026-11-13", StringComparison.Ordinal));
        var (futureStatus, future) = await ImportAsync(finance, "anthropic-usage", UsageReport(["2026-11-20"]));
        Assert.Equal(HttpStatusCode.BadRequest, futureStatus);
        Assert.Contains(future.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("after now", StringComparison.Ordinal));
        Assert.Equal(3, (await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/reports")).GetArrayLength());
        Assert.Equal(answer.GetProperty("rows").GetRawText(), (await finance.GetFromJsonAsync<JsonElement>($"/api/v1/reconcile/invoice?from={Days[0]}&to=2026-11-14")).GetProperty("rows").GetRawText());
    }
}
