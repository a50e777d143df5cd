using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using CostConsole.Data;
using CostConsole.Features.Budgets;
using CostConsole.Features.Identity;
using CostConsole.Features.Mail;
using CostConsole.Features.Spend;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Components;

/// <summary>
/// The budgets page as a whole: budgets and teams in the app's own services over SQLite, spend from an in-memory
/// ledger folded by the core, so each month-to-date figure is the sum of the test's cells.
/// </summary>
public sealed class BudgetsPageTests : AppPageTestBase
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MonthStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly PriceBook Prices = new([new PriceEntry("gpt-x", MonthStart, 1m, 0m)]);

    private readonly InMemoryLedger _ledger = new(Prices, MonthStart, Now.AddMinutes(-30));

    public BudgetsPageTests()
        : base(Now)
    {
        Context.Services.AddCostConsoleMail();
        Context.Services.AddCostConsoleBudgets(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        Context.Services.AddScoped<TeamAdministration>();
        Context.Services.AddSingleton<ISpendViews>(_ledger);
    }

    private static Dimensions Team(string team) => new("gpt-x", "openai", "chat", team, "chat", "");

    public override async Task InitializeAsync()
    {
        await DatabaseSetup.MigrateAsync(Services);
        await using var scope = Services.CreateAsyncScope();
        var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
        Assert.True((await teams.CreateAsync("Chat")).Succeeded);
        Assert.True((await teams.CreateAsync("Search")).Succeeded);
        var ids = (await teams.ListAsync()).ToDictionary(t => t.Name, t => t.Id);
        var admin = new ClaimsPrincipal(new ClaimsIdentity([new(ClaimTypes.Role, Roles.Admin), new(ClaimTypes.Name, "admin@example.test")], "test"));
        var budgets = Services.GetRequiredService<BudgetService>();
        // Chat: $100 for the month, $60 spent. Search: $50 for the month, $75 spent (over whatever the projection says).
        Assert.True((await budgets.SetTeamBudgetAsync(admin, ids["Chat"], "2026-11", "100", null, false)).Saved);
        Assert.True((await budgets.SetTeamBudgetAsync(admin, ids["Search"], "2026-11", "50", null, false)).Saved);
        _ledger.Add(MonthStart.AddDays(3), Team("Chat"), TokenType.Input, 60_000_000)
            .Add(MonthStart.AddDays(5), Team("Search"), TokenType.Input, 75_000_000);
        Render<MudBlazor.MudPopoverProvider>();
    }

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<BudgetsPage> page, string team) =>
        page.FindAll("[data-testid='budget-row']").Single(r => r.GetAttribute("data-team") == team);

    [Fact]
    public void Finance_sees_every_team_with_its_budget_spend_and_status()
    {
        User.SignIn("finance@example.test", Roles.Finance);

        var page = Render<BudgetsPage>();
        page.WaitForElement("[data-testid='budgets-table']");

        var chat = Row(page, "Chat");
        Assert.Equal("$100.00", chat.QuerySelector("[data-testid='budget-amount']")!.TextContent.Trim());
        Assert.Equal("$60.00", chat.QuerySelector("[data-testid='budget-mtd']")!.TextContent.Trim());
        var search = Row(page, "Search");
        Assert.Equal("$75.00", search.QuerySelector("[data-testid='budget-mtd']")!.TextContent.Trim());
        Assert.Equal("over", search.QuerySelector("[data-testid='budget-status']")!.TextContent.Trim());
        Assert.NotEmpty(page.FindAll("[data-testid='budgets-export']"));
    }

    [Fact]
    public void A_manager_of_no_team_is_told_so_instead_of_an_empty_table()
    {
        User.SignIn("manager@example.test", Roles.Manager);

        var page = Render<BudgetsPage>();

        page.WaitForElement("[data-testid='budgets-empty']");
        Assert.Empty(page.FindAll("[data-testid='budget-row']"));
        Assert.Empty(page.FindAll("[data-testid='budgets-export']"));
    }

    [Fact]
    public void A_spend_view_that_fails_is_said_and_no_figure_is_shown_as_zero()
    {
        User.SignIn("finance@example.test", Roles.Finance);
        _ledger.Failure = new InvalidOperationException("database is locked");

        var page = Render<BudgetsPage>();

        page.WaitForAssertion(() => Assert.Equal("Budgets could not be computed: database is locked", page.Find("[data-testid='budgets-error']").TextContent.Trim()));
        Assert.Empty(page.FindAll("[data-testid='budget-mtd']"));
        // Not "you manage no team": the teams are there, their figures are not known.
        Assert.Empty(page.FindAll("[data-testid='budgets-empty']"));
    }
}
