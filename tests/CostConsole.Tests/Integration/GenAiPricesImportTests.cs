using System.Net;
using System.Text;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The price import API with genai-prices' catalogue (the real slice in Golden/genai-prices): the dry run lists each
/// dated entry with its effective date and the tiers that need a label; the import writes exactly those entries.
/// </summary>
public sealed class GenAiPricesImportTests
{
    private static readonly string Slice = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "genai-prices", "data-slice.json"));

    [Fact]
    public async Task A_dry_run_shows_dated_entries_and_tiers_needing_a_label_and_the_import_writes_them()
    {
        using var app = new AppFactory("http://127.0.0.1:9");
        var engineer = await app.SignedInAsync(Roles.Engineer);
        const string query = "/api/v1/prices/import?format=genai-prices&effectiveFrom=2026-01-01T00:00:00Z&onlySeen=false";
        using (var preview = await engineer.PostAsync(query + "&dryRun=true", new StringContent(Slice, Encoding.UTF8, "application/json")))
        {
            var body = await preview.Content.ReadAsStringAsync();
            Assert.True(preview.StatusCode == HttpStatusCode.OK, body);
            var plan = JsonDocument.Parse(body).RootElement;
            Assert.Equal(0, plan.GetProperty("written").GetInt32());
            var sonnet46 = plan.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("entry"))
                .Where(e => e.GetProperty("model").GetString() == "claude-sonnet-4-6").Select(e => e.GetProperty("effectiveFrom").GetDateTime()).ToList();
            Assert.Equal([new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 13, 0, 0, 0, DateTimeKind.Utc)], sonnet46);
            Assert.Contains(plan.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("claude-sonnet-4-5 from 2026-01-01", StringComparison.Ordinal) && n.GetString()!.Contains("needs a label", StringComparison.Ordinal));
        }

        Assert.DoesNotContain("claude-sonnet-4-6", await engineer.GetStringAsync("/api/v1/prices"));
        using (var import = await engineer.PostAsync(query + "&dryRun=false&reason=catalogue", new StringContent(Slice, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, import.StatusCode);
            Assert.Equal(19 + 4 + 2, JsonDocument.Parse(await import.Content.ReadAsStringAsync()).RootElement.GetProperty("written").GetInt32());
        }

        var stored = JsonDocument.Parse(await engineer.GetStringAsync("/api/v1/prices")).RootElement.GetProperty("entries").EnumerateArray()
            .Select(e => e.GetProperty("entry")).Where(e => e.GetProperty("model").GetString() == "claude-opus-4-6")
            .Select(e => (e.GetProperty("effectiveFrom").GetDateTime(), e.GetProperty("input").GetDecimal(), e.GetProperty("output").GetDecimal())).OrderBy(e => e.Item1).ToList();
        Assert.Equal([(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), 5m, 25m), (new DateTime(2026, 3, 13, 0, 0, 0, DateTimeKind.Utc), 5m, 25m)], stored);
    }

    [Fact]
    public async Task A_file_that_is_not_the_catalogue_is_refused_with_its_reason_and_nothing_is_written()
    {
        using var app = new AppFactory("http://127.0.0.1:9");
        var engineer = await app.SignedInAsync(Roles.Engineer);
        var before = await engineer.GetStringAsync("/api/v1/prices");
        using var refused = await engineer.PostAsync("/api/v1/prices/import?format=genai-prices&effectiveFrom=2026-01-01T00:00:00Z&onlySeen=false&dryRun=false",
            new StringContent("{\"gpt-4o\":{\"input_cost_per_token\":0.0000025}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("must be a JSON array of providers", await refused.Content.ReadAsStringAsync());
        Assert.Equal(before, await engineer.GetStringAsync("/api/v1/prices"));
    }
}
