using System.Net;
using System.Text;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The price import API with LiteLLM's map (the real slice in Golden/litellm-prices) under the default profile, which
/// reads the served tier: the dry run lists each base and tier entry with its variant, and the notes what needs a label;
/// the import writes exactly those entries.
/// </summary>
public sealed class LiteLlmImportTests
{
    private static readonly string Slice = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "litellm-prices", "model_prices-slice.json"));

    [Fact]
    public async Task Service_tiers_import_as_variants_and_what_no_label_selects_is_listed()
    {
        using var app = new AppFactory("http://127.0.0.1:9");
        var engineer = await app.SignedInAsync(Roles.Engineer);
        const string query = "/api/v1/prices/import?format=litellm&effectiveFrom=2026-12-01T00:00:00Z&onlySeen=false";
        using (var preview = await engineer.PostAsync(query + "&dryRun=true", new StringContent(Slice, Encoding.UTF8, "application/json")))
        {
            var body = await preview.Content.ReadAsStringAsync();
            Assert.True(preview.StatusCode == HttpStatusCode.OK, body);
            var plan = JsonDocument.Parse(body).RootElement;
            var items = plan.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("entry")).ToList();
            // Five priced models; gpt-5.6 has flex, priority and batch, gpt-5.2 priority (all multiples of the base).
            Assert.Equal(["claude-haiku-4-5/", "claude-opus-4-6/", "claude-sonnet-4-5-20250929/", "gpt-5.2/", "gpt-5.2/priority", "gpt-5.6/", "gpt-5.6/batch", "gpt-5.6/flex", "gpt-5.6/priority"],
                items.Select(e => $"{e.GetProperty("model").GetString()}/{e.GetProperty("variant").GetString()}").Order(StringComparer.Ordinal));
            Assert.Equal(0.5m, items.Single(e => e.GetProperty("model").GetString() == "gpt-5.6" && e.GetProperty("variant").GetString() == "flex").GetProperty("multiplier").GetDecimal());
            var notes = plan.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
            Assert.Contains(notes, n => n.Contains("claude-opus-4-6 “fast” (6×)", StringComparison.Ordinal) && n.Contains("needs a label", StringComparison.Ordinal));
            Assert.Contains(notes, n => n.Contains("gpt-5.6 (above 272k)", StringComparison.Ordinal));
        }

        using (var import = await engineer.PostAsync(query + "&dryRun=false&reason=price%20map", new StringContent(Slice, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, import.StatusCode);
            Assert.Equal(9, JsonDocument.Parse(await import.Content.ReadAsStringAsync()).RootElement.GetProperty("written").GetInt32());
        }

        var stored = JsonDocument.Parse(await engineer.GetStringAsync("/api/v1/prices")).RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("entry")).ToList();
        var priority = stored.Single(e => e.GetProperty("model").GetString() == "gpt-5.2" && e.GetProperty("variant").GetString() == "priority");
        Assert.Equal(2m, priority.GetProperty("multiplier").GetDecimal());
        var haiku = stored.Single(e => e.GetProperty("model").GetString() == "claude-haiku-4-5");
        Assert.Equal(2m, haiku.GetProperty("cacheWrite1h").GetDecimal());
    }
}
