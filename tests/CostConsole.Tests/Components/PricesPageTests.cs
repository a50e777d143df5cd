using Bunit;
using Bunit.TestDoubles;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Pricing;
using CostConsole.Tests.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Components;

/// <summary>The prices page as a whole, over the app's own price services and a SQLite file of the test's own.</summary>
public sealed class PricesPageTests : AppPageTestBase
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MonthStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Markup in a model name is a name, not markup.</summary>
    private const string Marked = "<b>bold</b>-model";


    public PricesPageTests()
        : base(Now)
    {
    }

    public override async Task InitializeAsync()
    {
        await DatabaseSetup.MigrateAsync(Services);
        // gpt-x: $2 in / $8 out from the 1st; a cut to $1 / $4 scheduled for December.
        var problems = await Services.GetRequiredService<PriceStore>().ImportAsync(
        [
            new PriceEntry("gpt-x", MonthStart, 2m, 8m, 0.5m),
            new PriceEntry("gpt-x", MonthStart.AddMonths(1), 1m, 4m),
            new PriceEntry(Marked, MonthStart, 3m, 9m),
        ], "finance@example.test", "contract prices");
        Assert.Empty(problems);
        Render<MudBlazor.MudPopoverProvider>();
    }

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<PricesPage> page, string model) =>
        page.FindAll("[data-testid='price-row']").Single(r => r.GetAttribute("data-model") == model);

    [Fact]
    public void Finance_sees_the_prices_in_force_and_what_is_scheduled_but_cannot_edit()
    {
        User.SignIn("finance@example.test", Roles.Finance);

        var page = Render<PricesPage>();
        page.WaitForElement("[data-testid='prices-table']");

        var gpt = Row(page, "gpt-x").TextContent;
        Assert.Contains("2026-11-01 00:00 UTC", gpt);
        Assert.Contains("$2.00", gpt);
        Assert.Contains("$0.50", gpt);
        Assert.Contains("as input", gpt);
        Assert.Contains("$8.00", gpt);
        Assert.Contains("change scheduled", gpt);
        Assert.Empty(page.FindAll("[data-testid='price-add']"));
    }

    [Fact]
    public void A_model_name_with_markup_is_shown_as_text()
    {
        User.SignIn("finance@example.test", Roles.Finance);

        var page = Render<PricesPage>();
        page.WaitForElement("[data-testid='prices-table']");

        var row = Row(page, Marked);
        Assert.Contains(Marked, row.TextContent);
        Assert.Empty(row.QuerySelectorAll("b"));
    }

    [Fact]
    public void An_engineer_opens_a_models_timeline_and_its_audit_trail_from_the_url()
    {
        User.SignIn("engineer@example.test", Roles.Engineer);
        Services.GetRequiredService<NavigationManager>().NavigateTo("/prices?model=gpt-x");

        var page = Render<PricesPage>();
        page.WaitForElement("[data-testid='timeline-table']");

        Assert.NotEmpty(page.FindAll("[data-testid='price-add']"));
        Assert.Equal("Timeline of gpt-x", page.Find("[data-testid='timeline-title']").TextContent.Trim());
        var timeline = page.FindAll("[data-testid='timeline-row']").Select(r => r.TextContent).ToList();
        Assert.Equal(2, timeline.Count);
        Assert.Contains("2026-12-01 00:00 UTC", timeline[0]);
        Assert.Contains("$1.00", timeline[0]);
        Assert.Contains("2026-11-01 00:00 UTC", timeline[1]);
        Assert.All(timeline, row => Assert.Contains("finance@example.test", row));
        Assert.All(page.FindAll("[data-testid='audit-row']"), row => Assert.Contains("gpt-x", row.TextContent));
        Assert.NotEmpty(page.FindAll("[data-testid='audit-row']"));
    }
}
