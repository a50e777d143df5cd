using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.ApiTokens;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Features.Spend;
using CostConsole.Data;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The price editor over a real SQLite file and a ledger filled from the real Prometheus: the impact preview against
/// the ground truth, saving, the audit trail, optimistic concurrency, retirements, imports and bad input through the API.
/// Runs on each database provider (SQLite and a real PostgreSQL).
/// </summary>
public abstract class PriceEditingTests(HistoryFixture fixture, DatabaseProvider database) : IAsyncLifetime
{
    [Collection(PrometheusCollection.Name)]
    public sealed class OnSqlite(HistoryFixture fixture) : PriceEditingTests(fixture, DatabaseProvider.Sqlite);

    [Collection(PrometheusCollection.Name)]
    public sealed class OnPostgreSql(HistoryFixture fixture) : PriceEditingTests(fixture, DatabaseProvider.PostgreSql);

    private const string Mini = "gpt-4o-mini";
    /// <summary>"Now" early next month, so last month holds the whole generated history.</summary>
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Cut = HistoryFixture.Start.AddHours(24);
    private AppFactory _app = null!;

    private PriceEditor Editor => _app.Services.GetRequiredService<PriceEditor>();

    public async Task InitializeAsync()
    {
        _app = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "24",
        }, time: new ShiftedTimeProvider(Now), database: database);
        await fixture.Ledger.CopyIntoAsync(_app);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Ground truth cost of gpt-4o-mini per feature: the starter price (0.15 / 0.60), and from <paramref name="from"/> on the given one.</summary>
    private Dictionary<string, decimal> MiniCost(DateTimeOffset? from = null, decimal input = 0.15m, decimal output = 0.60m) =>
        fixture.History.GroundTruth.Where(t => t.Key.Model == Mini && t.Key.TokenType is Family.InputTokens or Family.OutputTokens)
            .GroupBy(t => t.Key.Feature)
            .ToDictionary(g => g.Key, g => g.Sum(t =>
            {
                var changed = from is { } f && t.Key.Hour >= f;
                var price = t.Key.TokenType == Family.InputTokens ? (changed ? input : 0.15m) : (changed ? output : 0.60m);
                return t.Value * price;
            }) / 1_000_000m);

    private static PriceDraft Draft(string model = Mini, DateTimeOffset? from = null, string input = "0.30", string output = "1.20") =>
        new(model, (from ?? Cut).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), input, output);

    private async Task<string> StampAsync(string model) => PriceEditor.StampOf(await Editor.ListAsync(), model);

    [Fact]
    public async Task The_impact_preview_moves_last_months_cost_exactly_as_the_ground_truth_says_and_stores_nothing()
    {
        var before = await Editor.ListAsync();
        var check = await Editor.CheckAsync(Draft());

        var impact = await _app.Services.GetRequiredService<PriceImpact>().PreviewAsync(null, check.Entry!);

        var was = MiniCost();
        var will = MiniCost(Cut, 0.30m, 1.20m);
        Assert.Equal([Mini], impact.Models);
        var lastMonth = impact.Windows[0];
        Assert.Equal("Last month", lastMonth.Label);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), lastMonth.From);
        Assert.Equal(decimal.Round(was.Values.Sum(), 6), decimal.Round(lastMonth.Before, 6));
        Assert.Equal(decimal.Round(will.Values.Sum(), 6), decimal.Round(lastMonth.After, 6));
        Assert.True(lastMonth.After > lastMonth.Before);
        Assert.Equal(was.Keys.Order(StringComparer.Ordinal), lastMonth.Features.Select(f => f.Feature).Order(StringComparer.Ordinal));
        foreach (var feature in lastMonth.Features)
        {
            Assert.Equal(decimal.Round(was[feature.Feature], 6), decimal.Round(feature.Before, 6));
            Assert.Equal(decimal.Round(will[feature.Feature], 6), decimal.Round(feature.After, 6));
        }

        // This month has no tokens yet: nothing moves.
        Assert.Equal(0m, impact.Windows[1].Change);
        Assert.Equal(before, await Editor.ListAsync());
    }

    [Fact]
    public async Task A_saved_entry_reaches_the_next_view_and_is_audited()
    {
        var views = _app.Services.GetRequiredService<SpendViewCache>();
        var request = new SpendRequest(HistoryFixture.Start, HistoryFixture.End, [SpendDimension.Model]).WithFilter(SpendDimension.Model, [Mini]);
        var first = await views.GetAsync(request);
        Assert.Equal(decimal.Round(MiniCost().Values.Sum(), 6), decimal.Round(first.Totals.CostUsd, 6));

        var change = await Editor.AddAsync(Draft(), "list price doubled", await StampAsync(Mini), confirmed: false, "engineer@example.test");

        Assert.True(change.Saved, string.Join(" ", change.Problems));
        var second = await views.GetAsync(request);
        Assert.Equal(decimal.Round(MiniCost(Cut, 0.30m, 1.20m).Values.Sum(), 6), decimal.Round(second.Totals.CostUsd, 6));
        var audit = Assert.Single(await Editor.AuditAsync(Mini));
        Assert.Equal((PriceAction.Added, "engineer@example.test", "", "list price doubled"), (audit.Action, audit.Actor, audit.Before, audit.Reason));
        Assert.Equal("from 2026-11-18 00:00 UTC: input $0.30, cached as input, cache write as input, output $1.20 per 1M", audit.After);
        Assert.Equal(Now.Date, audit.AtUtc.UtcDateTime.Date);
    }

    [Fact]
    public async Task Two_engineers_editing_the_same_model_get_a_conflict_not_a_lost_update()
    {
        var stamp = await StampAsync(Mini);
        var first = await Editor.AddAsync(Draft(), "", stamp, false, "alice@example.test");
        Assert.True(first.Saved);
        var afterFirst = await Editor.ListAsync();

        var second = await Editor.AddAsync(Draft(from: Cut.AddHours(5), input: "0.40", output: "1.60"), "", stamp, false, "bob@example.test");

        Assert.False(second.Saved);
        Assert.StartsWith("alice@example.test (added at ", second.Conflict);
        Assert.Contains("changed the prices of gpt-4o-mini after you opened them. Nothing was saved", second.Conflict);
        Assert.Equal(afterFirst, await Editor.ListAsync());

        // A correction made against a version someone else already changed is refused the same way.
        var entry = afterFirst.Single(p => p.Entry.Model == Mini && p.Entry.EffectiveFrom == Cut);
        Assert.True((await Editor.CorrectAsync(entry.Id, entry.Version, Draft(input: "0.31"), "typo", false, "alice@example.test")).Saved);
        var stale = await Editor.CorrectAsync(entry.Id, entry.Version, Draft(input: "0.32"), "typo", false, "bob@example.test");
        Assert.NotNull(stale.Conflict);
        Assert.Equal(0.31m, (await Editor.ListAsync()).Single(p => p.Id == entry.Id).Entry.InputPerMTok);
    }

    [Fact]
    public async Task A_correction_keeps_before_and_after_and_needs_a_reason()
    {
        Assert.True((await Editor.AddAsync(Draft(), "", await StampAsync(Mini), false, "alice@example.test")).Saved);
        var entry = (await Editor.ListAsync()).Single(p => p.Entry.Model == Mini && p.Entry.EffectiveFrom == Cut);

        var noReason = await Editor.CorrectAsync(entry.Id, entry.Version, Draft(input: "0.25"), "  ", false, "bob@example.test");
        var corrected = await Editor.CorrectAsync(entry.Id, entry.Version, Draft(input: "0.25"), "the announcement said 0.25", false, "bob@example.test");

        Assert.Contains("Say why (the reason is kept in the audit trail).", noReason.Check.Errors);
        Assert.True(corrected.Saved);
        var stored = (await Editor.ListAsync()).Single(p => p.Id == entry.Id);
        Assert.Equal((0.25m, 1, "bob@example.test"), (stored.Entry.InputPerMTok, stored.Version, stored.UpdatedBy));
        var audit = (await Editor.AuditAsync(Mini))[0];
        Assert.Equal(PriceAction.Corrected, audit.Action);
        Assert.Contains("input $0.30", audit.Before);
        Assert.Contains("input $0.25", audit.After);
        Assert.Equal("the announcement said 0.25", audit.Reason);
    }

    [Fact]
    public async Task A_retired_model_is_unpriced_from_its_hour_and_the_retirement_is_audited()
    {
        var retire = await Editor.RetireAsync(Mini, Cut.ToString("O", CultureInfo.InvariantCulture), "model withdrawn", await StampAsync(Mini), "alice@example.test");

        Assert.True(retire.Saved, string.Join(" ", retire.Problems));
        var result = await _app.Services.GetRequiredService<SpendViewCache>().GetAsync(
            new SpendRequest(HistoryFixture.Start, HistoryFixture.End, [SpendDimension.Model]).WithFilter(SpendDimension.Model, [Mini]));
        var truth = fixture.History.GroundTruth.Where(t => t.Key.Model == Mini && t.Key.Hour >= Cut && t.Key.TokenType is Family.InputTokens or Family.OutputTokens).Sum(t => t.Value);
        Assert.Equal(truth, result.Totals.UnpricedTokens);
        Assert.Equal(decimal.Round(MiniCost(Cut, 0m, 0m).Values.Sum(), 6), decimal.Round(result.Totals.CostUsd, 6));
        Assert.Contains(Mini, result.UnpricedModels);
        Assert.Equal((PriceAction.Retired, "retired from 2026-11-18 00:00 UTC"), ((await Editor.AuditAsync(Mini))[0].Action, (await Editor.AuditAsync(Mini))[0].After));
    }

    public static TheoryData<string, string> BadEntries => new()
    {
        { """{"model":"gpt-4o-mini","effectiveFrom":"2026-11-18T00:00:00Z","input":-1,"output":1}""", "The input price -1 is negative" },
        { """{"model":"gpt-4o-mini","effectiveFrom":"2026-11-18T00:00:00Z","input":"abc","output":1}""", "The input price 'abc' is not a number" },
        { """{"model":"gpt-4o-mini","effectiveFrom":"2026-11-18T00:00:00Z","input":1,"output":25000}""", "The output price $25,000.00 is over $10,000.00" },
        { """{"model":"gpt-4o-mini","effectiveFrom":"2024-07-18T00:00:00Z","input":1,"output":2}""", "gpt-4o-mini already has an entry from 2024-07-18 00:00 UTC" },
        { """{"model":"gpt-4o-mini","effectiveFrom":"2026-11-18T00:30:00Z","input":1,"output":2}""", "is not on the hour" },
        { """{"model":"gpt-4o-mini","effectiveFrom":"someday","input":1,"output":2}""", "'someday' is not a date and time" },
        { """{"model":"re:(a","effectiveFrom":"2026-11-18T00:00:00Z","input":1,"output":2}""", "not a valid regular expression" },
        { """{"model":"x\u0000\"y","effectiveFrom":"2026-11-18T00:00:00Z","input":1,"output":2}""", "control characters, line separators or quotes" },
        { """{"model":"gpt-4o-mini","effectiveFrom":"2026-11-18T00:00:00Z","input":1,"output":2,"reason":"a\u0007b"}""", "The reason contains control characters." },
        { """not json""", "The body is not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public async Task Bad_input_to_the_api_is_refused_with_its_message_and_nothing_changes(string body, string message)
    {
        var client = await _app.SignedInAsync(Roles.Engineer);
        var before = await client.GetStringAsync("/api/v1/prices");

        using var response = await client.PostAsync("/api/v1/prices", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await client.GetStringAsync("/api/v1/prices"));
        Assert.Empty(await Editor.AuditAsync());
    }

    [Fact]
    public async Task An_unusual_price_needs_confirm_then_saves_and_the_stamp_guards_the_api_too()
    {
        var client = await _app.SignedInAsync(Roles.Engineer);
        var stamp = (await client.GetFromJsonAsync<JsonElement>("/api/v1/prices")).GetProperty("models").EnumerateArray()
            .Single(m => m.GetProperty("model").GetString() == Mini).GetProperty("stamp").GetString();
        var body = new Dictionary<string, object?> { ["model"] = Mini, ["effectiveFrom"] = "2026-11-18T00:00:00Z", ["input"] = "2000", ["output"] = "1", ["stamp"] = stamp };

        using var unconfirmed = await client.PostAsJsonAsync("/api/v1/prices", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unconfirmed.StatusCode);
        var answer = await unconfirmed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, answer.GetProperty("check").GetProperty("confirmations").GetArrayLength());
        Assert.Empty(await Editor.AuditAsync());

        body["confirm"] = true;
        using var confirmed = await client.PostAsJsonAsync("/api/v1/prices", body);
        Assert.Equal(HttpStatusCode.Created, confirmed.StatusCode);
        using var again = await client.PostAsJsonAsync("/api/v1/prices", body);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);

        body["effectiveFrom"] = "2026-11-19T00:00:00Z";
        using var stale = await client.PostAsJsonAsync("/api/v1/prices", body);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Single(await Editor.AuditAsync());
    }

    [Fact]
    public async Task A_litellm_file_is_previewed_then_imported_converting_per_token_prices()
    {
        var client = await _app.SignedInAsync(Roles.Engineer);
        const string map = """
            {
              "sample_spec": { "input_cost_per_token": 0, "output_cost_per_token": 0 },
              "gpt-4o-mini": { "input_cost_per_token": 3e-07, "output_cost_per_token": 1.2e-06, "cache_read_input_token_cost": 7.5e-08, "mode": "chat" },
              "claude-3-5-sonnet-20241022": { "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05 },
              "some-model-nobody-uses": { "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06 },
              "an-image-model": { "output_cost_per_image": 0.04 }
            }
            """;
        var seen = (await Editor.SeenModelsAsync()).Select(m => m.Model).ToList();
        Assert.Contains("claude-3-5-sonnet-20241022", seen);
        var before = await client.GetStringAsync("/api/v1/prices");
        var url = "/api/v1/prices/import?format=litellm&effectiveFrom=2026-11-18T00:00:00Z";

        using var preview = await client.PostAsync(url, new StringContent(map, System.Text.Encoding.UTF8, "application/json"));
        var plan = await preview.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal((1, 1, 0), (plan.GetProperty("adds").GetInt32(), plan.GetProperty("changes").GetInt32(), plan.GetProperty("written").GetInt32()));
        Assert.Equal(before, await client.GetStringAsync("/api/v1/prices"));
        var change = plan.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("kind").GetString() == "change");
        Assert.Equal(0.30m, change.GetProperty("entry").GetProperty("input").GetDecimal());
        Assert.Equal(0.075m, change.GetProperty("entry").GetProperty("cachedInput").GetDecimal());
        Assert.Equal(0.15m, change.GetProperty("current").GetProperty("input").GetDecimal());

        using var import = await client.PostAsync(url + "&dryRun=false&reason=monthly%20refresh", new StringContent(map, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(2, (await import.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("written").GetInt32());
        var book = await _app.Services.GetRequiredService<PriceStore>().LoadAsync();
        Assert.Equal(15m, book.PriceAt("claude-3-5-sonnet-20241022", Cut)!.OutputPerMTok);
        Assert.Equal(1.2m, book.PriceAt(Mini, Cut)!.OutputPerMTok);
        Assert.Null(book.PriceAt("some-model-nobody-uses", Cut));
        var audit = await Editor.AuditAsync();
        Assert.Equal(2, audit.Count);
        Assert.All(audit, a => Assert.Equal((PriceAction.Imported, "monthly refresh"), (a.Action, a.Reason)));
    }

    [Theory]
    [InlineData("format=litellm&effectiveFrom=2026-11-18T00:00:00Z", """{ "m": { "input_cost_per_token": "cheap", "output_cost_per_token": 1e-06 } }""", "\"m\": input_cost_per_token \"cheap\" is not a number")]
    [InlineData("format=litellm&effectiveFrom=tomorrow", """{ "m": { "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06 } }""", "effectiveFrom: effectiveFrom 'tomorrow' is not a date and time")]
    [InlineData("format=csv", "model,when\nx,y", "line 1: the header must be exactly")]
    [InlineData("format=xml", "<prices/>", "format must be csv, litellm or genai-prices")]
    public async Task A_bad_import_writes_nothing_and_says_which_key_or_line_is_wrong(string query, string file, string message)
    {
        var client = await _app.SignedInAsync(Roles.Admin);
        var before = await client.GetStringAsync("/api/v1/prices");

        using var response = await client.PostAsync($"/api/v1/prices/import?{query}&dryRun=false&onlySeen=false",
            new StringContent(file, System.Text.Encoding.UTF8, query.StartsWith("format=csv", StringComparison.Ordinal) ? "text/csv" : "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var said = answer.TryGetProperty("problems", out var problems) ? string.Join("\n", problems.EnumerateArray().Select(p => p.GetString())) : answer.GetProperty("detail").GetString();
        Assert.Contains(message, said);
        Assert.Equal(before, await client.GetStringAsync("/api/v1/prices"));
    }

    [Fact]
    public async Task The_csv_export_imports_into_a_fresh_database_as_the_same_entries()
    {
        Assert.True((await Editor.AddAsync(Draft(), "", await StampAsync(Mini), false, "alice@example.test")).Saved);
        Assert.True((await Editor.RetireAsync(Mini, "2026-11-19T00:00:00Z", "gone", await StampAsync(Mini), "alice@example.test")).Saved);
        var client = await _app.SignedInAsync(Roles.Finance);
        var csv = await client.GetStringAsync("/api/v1/prices/export");

        using var fresh = new AppFactory(fixture.Prometheus.BaseUrl, database: database);
        var admin = await fresh.SignedInAsync(Roles.Admin);
        // The fresh database has the starter entries already; import only what it lacks.
        var starter = (await fresh.Services.GetRequiredService<PriceEditor>().ListAsync()).Select(p => p.Entry).ToHashSet();
        var (entries, problems) = PriceCsv.Parse(csv);
        Assert.Empty(problems);
        var missing = PriceCsv.Write(entries.Where(e => !starter.Contains(e)));
        using var import = await admin.PostAsync("/api/v1/prices/import?format=csv&dryRun=false&onlySeen=false", new StringContent(missing, System.Text.Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        Assert.Equal(csv, await admin.GetStringAsync("/api/v1/prices/export"));
    }

    [Fact]
    public async Task Metrics_shows_the_prices_in_force_to_an_api_token_and_not_anonymously()
    {
        var (result, token) = await _app.Services.GetRequiredService<ApiTokenService>().CreateAsync("prometheus", Roles.Finance, "admin@example.test");
        Assert.True(result.Succeeded);
        var anonymous = _app.Anonymous();
        using var refused = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        anonymous.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var text = await anonymous.GetStringAsync("/metrics");

        Assert.Contains("# TYPE costconsole_price_usd_per_token gauge", text);
        Assert.Contains("costconsole_price_usd_per_token{model=\"gpt-4o-mini\",token_type=\"input\"} 0.00000015\n", text);
        Assert.Contains("costconsole_price_usd_per_token{model=\"gpt-4o-2024-11-20\",token_type=\"cached_input\"} 0.00000125\n", text);
        var seen = await Editor.SeenModelsAsync();
        var unpriced = seen.Count(m => m.Model is not ("gpt-4o-mini" or "gpt-4o-2024-11-20"));
        Assert.Contains($"costconsole_unpriced_models {unpriced}\n", text);
    }
}
