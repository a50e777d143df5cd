using System.Net;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.Integration;

/// <summary>
/// "Add a price" for an unpriced model opens the editor filled with the catalogue's price in force (Prices:CatalogueFile,
/// here the real genai-prices slice in Golden/genai-prices): the dated price from 2026-03-13, not the older tiered one.
/// Nothing is saved until the engineer confirms; without a catalogue, or with a missing file, the editor opens empty.
/// </summary>
public sealed class PriceCatalogueTests
{
    private static readonly string Slice = Path.Combine(AppContext.BaseDirectory, "Golden", "genai-prices", "data-slice.json");
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private const string Page = "/prices?model=claude-sonnet-4-6-20260301&add=1";

    private static AppFactory App(string? catalogue) => new("http://127.0.0.1:9",
        catalogue is null ? null : new Dictionary<string, string?> { ["Prices:CatalogueFile"] = catalogue }, new ShiftedTimeProvider(Now));

    [Fact]
    public async Task The_editor_opens_with_the_catalogue_price_in_force_and_saves_nothing_by_itself()
    {
        using var app = App(Slice);
        var engineer = await app.SignedInAsync(Roles.Engineer);
        var html = await engineer.GetStringAsync(Page);

        Assert.Contains("data-testid=\"price-suggested\"", html);
        Assert.Contains("Prices filled in from the catalogue data-slice.json, in force since 2026-03-13.", html);
        // claude-sonnet-4-6's flat price from 2026-03-13: input 3, cache read 0.3, cache write 3.75, output 15 per 1M.
        foreach (var (id, value) in new[] { ("price-input", "3"), ("price-cached", "0.3"), ("price-write", "3.75"), ("price-output", "15") })
        {
            Assert.Matches($"id=\"{id}\"[^>]*value=\"{System.Text.RegularExpressions.Regex.Escape(value)}\"|value=\"{System.Text.RegularExpressions.Regex.Escape(value)}\"[^>]*id=\"{id}\"", html);
        }

        Assert.DoesNotContain("claude-sonnet-4-6", await engineer.GetStringAsync("/api/v1/prices"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("/nonexistent/catalogue.json")]
    public async Task Without_a_readable_catalogue_the_editor_opens_empty(string? catalogue)
    {
        using var app = App(catalogue);
        var engineer = await app.SignedInAsync(Roles.Engineer);
        using var response = await engineer.GetAsync(Page);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"price-editor\"", html);
        Assert.DoesNotContain("data-testid=\"price-suggested\"", html);
    }

    [Fact]
    public async Task Finance_gets_no_editor_from_the_link()
    {
        using var app = App(Slice);
        var finance = await app.SignedInAsync(Roles.Finance);
        var html = await finance.GetStringAsync(Page);
        Assert.DoesNotContain("data-testid=\"price-editor\"", html);
    }
}
