using Bunit;
using CostConsole.Configuration;
using CostConsole.Features.Shell;
using CostConsole.Features.Spend;
using CostConsole.Tests.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CostConsole.Tests.Components;

/// <summary>
/// The overview and the explorer as whole pages, over a few ledger cells in memory (folded by the core's spend fold):
/// every figure the test expects is worked out from those cells and prices.
/// </summary>
public sealed class SpendPageTests : ComponentTestBase
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MonthStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A model name as hostile as a label can be: markup, a formula and a quote.</summary>
    private const string Hostile = "=HYPERLINK(\"http://evil.test\")<b>bold</b>";

    // gpt-x: $2 per 1M input tokens, $8 per 1M output tokens, all month.
    private static readonly PriceBook Prices = new([new PriceEntry("gpt-x", MonthStart, 2m, 8m)]);

    private static Dimensions Dims(string feature, string model = "gpt-x") => new(model, "openai", feature, "", "chat", "");

    private InMemoryLedger _ledger = null!;

    public SpendPageTests()
    {
        Context.Services.AddLogging();
        Context.Services.AddSingleton<TimeProvider>(new SettableTimeProvider(Now));
        Context.Services.AddSingleton(Options.Create(new DisplayOptions { TimeZone = "UTC" }));
        Context.Services.AddSingleton(Options.Create(new CostConsole.Features.Ledger.LedgerOptions()));
        Context.Services.AddScoped<UiPreferences>();
        Context.Services.AddSingleton<IBurnReadings>(new FixedBurnReading(new BurnReading(Now, 1.5m, null, 0.75m, Now.AddMinutes(-30), null, 0)));
    }

    private void UseLedger(InMemoryLedger ledger)
    {
        _ledger = ledger;
        Context.Services.AddSingleton<ISpendViews>(ledger);
        Render<MudBlazor.MudPopoverProvider>();
    }

    /// <summary>
    /// chat on the 10th: 1M input ($2) + 0.5M output ($4) = $6; search yesterday: 2M input = $4; today 3,000 input
    /// tokens of a model without a price. Month to date $10, yesterday $4, today $0 plus the unpriced tokens.
    /// </summary>
    private static InMemoryLedger Month() => new InMemoryLedger(Prices, MonthStart, Now.AddMinutes(-30))
        .Add(MonthStart.AddDays(9).AddHours(5), Dims("chat"), TokenType.Input, 1_000_000)
        .Add(MonthStart.AddDays(9).AddHours(5), Dims("chat"), TokenType.Output, 500_000)
        .Add(MonthStart.AddDays(18).AddHours(12), Dims("search"), TokenType.Input, 2_000_000)
        .Add(MonthStart.AddDays(19).AddHours(8), Dims("chat", Hostile), TokenType.Input, 3_000);

    [Fact]
    public void The_overview_shows_each_period_from_the_ledger_and_calls_out_unpriced_tokens()
    {
        var ledger = Month();
        ledger.Owners["chat"] = "Team Chat";
        UseLedger(ledger);

        var page = Render<OverviewPage>();
        page.WaitForElement("[data-testid='stat-mtd']");

        Assert.Equal("$10.00", page.Find("[data-testid='stat-mtd'] [data-testid='stat-value']").TextContent.Trim());
        Assert.Equal("$4.00", page.Find("[data-testid='stat-yesterday'] [data-testid='stat-value']").TextContent.Trim());
        Assert.Equal("$0.00", page.Find("[data-testid='stat-today'] [data-testid='stat-value']").TextContent.Trim());
        Assert.Contains("+ 3,000 unpriced tokens", page.Find("[data-testid='stat-today'] [data-testid='stat-unpriced']").TextContent);
        // October is before the ledger's first hour: nothing to compare with, which is not "+100 %".
        Assert.Contains("No data for", page.Find("[data-testid='stat-mtd'] [data-testid='stat-change']").TextContent);

        var features = page.FindAll("[data-testid='top-feature'] tbody tr").Select(r => r.TextContent).ToList();
        Assert.Equal(2, features.Count);
        Assert.Contains("chat", features[0]);
        Assert.Contains("$6.00", features[0]);
        Assert.Contains("60.0%", features[0]);
        Assert.Contains("search", features[1]);
        Assert.Contains("$4.00", features[1]);
        var teams = page.FindAll("[data-testid='top-team'] tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains("Team Chat", teams[0]);
        Assert.Contains("unassigned", teams[1]);

        Assert.Equal("$1.50/hour", page.Find("[data-testid='burn-rate']").TextContent.Trim());
    }

    [Fact]
    public void A_hostile_model_name_is_text_and_its_price_link_is_escaped()
    {
        UseLedger(Month());

        var page = Render<OverviewPage>();
        page.WaitForElement("[data-testid='unpriced-callout']");

        var link = page.Find("[data-testid='add-price-link']");
        Assert.Equal(Hostile, link.TextContent);
        Assert.Equal("/prices?model=" + Uri.EscapeDataString(Hostile) + "&add=1", link.GetAttribute("href"));
        Assert.Empty(page.Find("[data-testid='unpriced-callout']").QuerySelectorAll("b"));
    }

    [Fact]
    public void An_empty_ledger_reads_no_data_never_zero()
    {
        UseLedger(new InMemoryLedger(Prices, null, null));

        var page = Render<OverviewPage>();
        page.WaitForElement("[data-testid='stat-mtd']");

        foreach (var card in new[] { "mtd", "yesterday", "today" })
        {
            var stat = page.Find($"[data-testid='stat-{card}']");
            Assert.Equal("No data", stat.QuerySelector("[data-testid='stat-value']")!.TextContent.Trim());
            Assert.Contains("The ledger is empty", stat.TextContent);
            Assert.DoesNotContain("$0", stat.TextContent);
        }
    }

    [Fact]
    public void A_ledger_that_cannot_be_read_says_so_instead_of_showing_figures()
    {
        UseLedger(Month());
        _ledger.Failure = new InvalidOperationException("database is locked");

        var page = Render<OverviewPage>();

        page.WaitForAssertion(() => Assert.Equal("The overview could not be computed: database is locked", page.Find("[data-testid='overview-error']").TextContent.Trim()));
        Assert.Empty(page.FindAll("[data-testid='stat-value']"));
    }

    [Fact]
    public void The_overview_asks_in_the_zone_of_its_url()
    {
        UseLedger(Month());

        Services.GetRequiredService<NavigationManager>().NavigateTo("/?tz=Europe/Berlin");
        var page = Render<OverviewPage>();
        page.WaitForElement("[data-testid='stat-mtd']");

        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.All(_ledger.Requests, r => Assert.Equal(berlin, r.TimeZone));
        // This month in Berlin starts at 23:00 UTC on October 31.
        Assert.Contains(_ledger.Requests, r => r.From == MonthStart.AddHours(-1));
    }

    [Fact]
    public void The_explorer_groups_and_filters_as_its_url_says()
    {
        UseLedger(Month());
        Services.GetRequiredService<NavigationManager>().NavigateTo("/explore?range=this-month&by=feature&model=gpt-x");

        var page = Render<ExplorerPage>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("tbody tr")));

        var last = _ledger.Requests[^1];
        Assert.Equal([SpendDimension.Feature], last.GroupBy);
        Assert.Equal(["gpt-x"], last.FilterOf(SpendDimension.Model));
        var rows = page.FindAll("tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains(rows, r => r.Contains("chat") && r.Contains("$6.00"));
        Assert.Contains(rows, r => r.Contains("search") && r.Contains("$4.00"));
        Assert.DoesNotContain(rows, r => r.Contains("bold"));
    }

    [Fact]
    public void The_explorer_follows_a_link_that_only_changes_its_query()
    {
        UseLedger(Month());
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/explore?range=this-month&by=feature");
        var page = Render<ExplorerPage>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("tbody tr")));

        navigation.NavigateTo("/explore?range=this-month&by=model");

        page.WaitForAssertion(() => Assert.Equal([SpendDimension.Model], _ledger.Requests[^1].GroupBy));
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("tbody tr"), r => r.TextContent.Contains("gpt-x") && r.TextContent.Contains("$10.00")));
    }
}
