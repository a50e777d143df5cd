using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// A FOCUS bill (the specification's AI billing example, by day) reconciled against a real ledger: its rows map
/// through their own SkuPriceDetails to the model CostConsole meters, and agree to the token and the cent; a row no
/// rule maps is listed, never dropped, until an Engineer adds a rule (previewed first); a team rule on the bill's
/// credential makes the reconciliation by team line up with the counters' team label.
/// </summary>
public sealed class FocusReconcileTests
{
    private static readonly DateTimeOffset Start = new(2025, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private const int Hours = 4;
    private const string Model = "solora-saturn-4.8";

    private static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "focus", name));

    /// <summary>The example bill by day, and one more row a rule has to map: 1,000 output tokens of another model, $0.05.</summary>
    private static string Bill()
    {
        var csv = Golden("per_token_ai_model_api.csv").Replace("Usage-Based,2025-06-01T00:00:00Z,2025-05-01T00:00:00Z,", "Usage-Based,2025-05-02T00:00:00Z,2025-05-01T00:00:00Z,", StringComparison.Ordinal);
        var lines = csv.TrimEnd('\n').Split('\n');
        var extra = lines[2].Replace("52.50", "0.05", StringComparison.Ordinal).Replace(",2100000,", ",1000,", StringComparison.Ordinal)
            .Replace("solora-saturn-4.8-output,", "mystery-sku-7,", StringComparison.Ordinal);
        extra = extra[..extra.IndexOf(",\"{", StringComparison.Ordinal)] + ",," + extra[(extra.LastIndexOf(',') + 1)..];
        return string.Join('\n', [.. lines, extra]) + "\n";
    }

    [Fact]
    public async Task A_focus_bill_maps_agrees_lists_what_no_rule_maps_and_reconciles_by_team()
    {
        // The bill's day: 8,400,000 input and 2,100,000 output tokens; the counters count them over four hours.
        var labels = $"job=\"app\",instance=\"pod-0\",gen_ai_request_model=\"{Model}\",gen_ai_provider_name=\"solora\",feature=\"chat\",team=\"research\"";
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: CounterFixture.Write(Start, Hours,
            [("gen_ai_client_token_usage_input", labels, 8_400_000 / (Hours * 6)), ("gen_ai_client_token_usage_output", labels, 2_100_000 / (Hours * 6))]));
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?> { ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture) },
            new ShiftedTimeProvider(Start.AddHours(Hours + 1)));
        var engineer = await app.SignedInAsync(Roles.Engineer);
        using (var created = await engineer.PostAsJsonAsync("/api/v1/prices", new Dictionary<string, object?> { ["model"] = Model, ["effectiveFrom"] = "2025-04-01T00:00:00Z", ["input"] = "5", ["output"] = "25", ["confirm"] = true }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Equal(Hours, await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(Hours)));
        var finance = await app.SignedInAsync(Roles.Finance);

        // A FOCUS bill needs the provider its usage runs under.
        using (var noProvider = await finance.PostAsync("/api/v1/reconcile/reports?format=focus&dryRun=false", new StringContent(Bill(), Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noProvider.StatusCode);
            Assert.Contains("provider is required for a FOCUS bill", await noProvider.Content.ReadAsStringAsync());
        }

        using (var imported = await finance.PostAsync("/api/v1/reconcile/reports?format=focus&provider=solora&dryRun=false", new StringContent(Bill(), Encoding.UTF8, "text/csv")))
        {
            Assert.True(imported.StatusCode == HttpStatusCode.OK, await imported.Content.ReadAsStringAsync());
        }

        var answer = await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/invoice?from=2025-05-01&to=2025-05-02");
        var rows = answer.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("model").GetString()!);
        var saturn = rows[Model];
        Assert.Equal("none", saturn.GetProperty("cause").GetString());
        Assert.Equal(94.50m, saturn.GetProperty("reportUsd").GetDecimal());
        Assert.Equal(94.50m, saturn.GetProperty("costConsoleUsd").GetDecimal());
        Assert.Equal(0, saturn.GetProperty("tokenDifference").GetInt64());
        Assert.Equal(8_400_000, saturn.GetProperty("reportTokens").GetProperty("inputTokens").GetInt64());
        // The row no rule maps: listed, and said.
        Assert.Equal("not-tokens", rows[""].GetProperty("cause").GetString());
        Assert.Equal(0.05m, rows[""].GetProperty("reportUsd").GetDecimal());
        Assert.Contains(answer.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("1 bill rows ($0.05) match no mapping rule", StringComparison.Ordinal));
        var unmapped = await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/mappings/unmapped?from=2025-05-01&to=2025-05-02");
        Assert.Equal("mystery-sku-7", Assert.Single(unmapped.EnumerateArray()).GetProperty("sku").GetString());

        // Finance reads the rules; an Engineer previews a rule, then adds it.
        using (var forbidden = await finance.PostAsJsonAsync("/api/v1/reconcile/mappings", new { kind = "model", field = "sku", match = "mystery-sku-7", model = "solora-mercury-1", tokenType = "output" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        var rule = new { kind = "model", field = "sku", match = "re:mystery-sku-\\d+", model = "solora-mercury-1", tokenType = "output" };
        var preview = await (await engineer.PostAsJsonAsync("/api/v1/reconcile/mappings?dryRun=true", rule)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, 0.05m), (preview.GetProperty("rows").GetInt32(), preview.GetProperty("amountUsd").GetDecimal()));
        Assert.Empty((await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/mappings")).EnumerateArray());
        using (var added = await engineer.PostAsJsonAsync("/api/v1/reconcile/mappings", rule))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        using (var bad = await engineer.PostAsJsonAsync("/api/v1/reconcile/mappings", new { kind = "model", field = "colour", match = "x", model = "m" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("field must be one of sku, resource, meter", await bad.Content.ReadAsStringAsync());
        }

        Assert.Single((await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/mappings")).EnumerateArray());
        var mapped = (await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/invoice?from=2025-05-01&to=2025-05-02")).GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("model").GetString()!);
        Assert.False(mapped.ContainsKey(""));
        Assert.Equal("only-in-report", mapped["solora-mercury-1"].GetProperty("cause").GetString());
        Assert.Equal(1000, mapped["solora-mercury-1"].GetProperty("reportTokens").GetProperty("outputTokens").GetInt64());
        Assert.Empty((await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/mappings/unmapped?from=2025-05-01&to=2025-05-02")).EnumerateArray());

        // By team: the bill's credential maps to the team the counters carry.
        using (var team = await engineer.PostAsJsonAsync("/api/v1/reconcile/mappings", new { kind = "team", field = "api_key", match = "key_01SOLORAPERSON1", team = "research" }))
        {
            Assert.Equal(HttpStatusCode.Created, team.StatusCode);
        }

        var byTeam = await finance.GetFromJsonAsync<JsonElement>("/api/v1/reconcile/invoice?from=2025-05-01&to=2025-05-02&groupBy=day,model,team");
        var saturnResearch = byTeam.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("model").GetString() == Model);
        Assert.Equal(("research", "none"), (saturnResearch.GetProperty("team").GetString(), saturnResearch.GetProperty("cause").GetString()));
        using var badGroup = await finance.GetAsync("/api/v1/reconcile/invoice?from=2025-05-01&to=2025-05-02&groupBy=day,feature");
        Assert.Equal(HttpStatusCode.BadRequest, badGroup.StatusCode);
    }
}
