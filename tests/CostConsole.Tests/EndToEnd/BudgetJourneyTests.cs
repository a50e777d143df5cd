using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CostConsole.Tests.EndToEnd;

/// <summary>A manager sets their team's budget in Debian Chromium and sees no other team; Finance reads every team's outlook, sorts it and finds the CSV.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class BudgetJourneyTests(HistoryFixture prometheus) : IAsyncLifetime
{
    private BrowserApp _browserApp = null!;
    private Dictionary<string, int> _teams = [];

    public async Task InitializeAsync()
    {
        // On the hour: every window is closed ledger hours.
        _browserApp = await BrowserApp.StartAsync(prometheus.Prometheus.BaseUrl, new SettableTimeProvider(HistoryFixture.End));
        await _browserApp.App.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End);
        await using var scope = _browserApp.App.Services.CreateAsyncScope();
        var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
        foreach (var name in prometheus.History.GroundTruth.Keys.Select(k => k.Team).Distinct())
        {
            Assert.True((await teams.CreateAsync(name)).Succeeded);
        }

        _teams = (await teams.ListAsync()).ToDictionary(t => t.Name, t => t.Id);
    }

    public Task DisposeAsync() => _browserApp.DisposeAsync().AsTask();

    private async Task<IPage> OpenAsync(IPage page)
    {
        await page.WaitForSelectorAsync("[data-interactive='true']");
        await page.WaitForSelectorAsync("[data-loading='false']");
        return page;
    }

    [Fact]
    public async Task A_manager_sets_their_teams_budget_and_sees_no_other_team()
    {
        // The team with the most gpt-4o tokens: priced, so its chart has a line to show.
        var team = prometheus.History.GroundTruth.Where(t => t.Key.Model == "gpt-4o-2024-11-20").GroupBy(t => t.Key.Team).MaxBy(g => g.Sum(t => t.Value))!.Key;
        var email = await _browserApp.App.CreateUserAsync(Roles.Manager);
        await using (var scope = _browserApp.App.Services.CreateAsyncScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<TeamAdministration>().AddManagerAsync(_teams[team], email)).Succeeded);
        }

        var page = await OpenAsync(await _browserApp.SignInAsUserAsync(email, "/budgets"));

        Assert.Equal([team], await page.Locator("[data-testid='budget-row']").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.team)"));
        Assert.Equal(0, await page.Locator("[data-testid='budgets-export']").CountAsync());
        await page.ClickAsync("[data-testid='budget-set']");
        await page.FillAsync("#budget-monthly", "-10");
        await page.ClickAsync("[data-testid='budget-save']");
        await page.WaitForSelectorAsync("[data-testid='budget-error']");
        Assert.Contains("must be more than $0", await page.InnerTextAsync("[data-testid='budget-error']"));

        await page.FillAsync("#budget-monthly", "5000");
        await page.ClickAsync("[data-testid='budget-save']");
        await page.WaitForSelectorAsync("[data-testid='budget-row'] [data-testid='budget-amount']:has-text('$5,000.00')");
        Assert.Equal("on track", (await page.InnerTextAsync("[data-testid='budget-status']")).Trim());
        // The team's burn chart: cumulative spend, the projection and now the budget line.
        await page.WaitForSelectorAsync("[data-testid='burn-chart'][data-chart-series='3'] .apexcharts-svg");
        Assert.Equal(30, int.Parse(await page.GetAttributeAsync("[data-testid='burn-chart']", "data-chart-categories") ?? "0"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "budgets-manager.png"), FullPage = true });
    }

    [Fact]
    public async Task Finance_reads_every_teams_outlook_sorts_it_and_finds_the_csv()
    {
        var page = await OpenAsync(await _browserApp.SignInAsync(Roles.Finance, "/budgets"));

        var names = await page.Locator("[data-testid='budget-row']").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.team)");
        Assert.Equal(_teams.Count + 1, names.Length);
        Assert.Equal("All teams (org)", names[0]);
        // Default order: month to date, highest first; the figures are the spend API's by team.
        using var api = _browserApp.App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri(_browserApp.BaseUrl) });
        await AppFactory.SignInAsync(api, await _browserApp.App.CreateUserAsync(Roles.Finance), AppFactory.Password);
        var byTeam = await api.GetFromJsonAsync<JsonElement>("/api/v1/spend?from=2026-11-01T00:00:00Z&to=2026-11-20T01:00:00Z&groupBy=team");
        var top = byTeam.GetProperty("rows").EnumerateArray().Where(r => _teams.ContainsKey(r.GetProperty("team").GetString()!))
            .MaxBy(r => r.GetProperty("costUsd").GetDecimal());
        Assert.Equal(top.GetProperty("team").GetString(), names[1]);
        Assert.Equal(SpendFormat.Money(top.GetProperty("costUsd").GetDecimal()), (await page.Locator("[data-testid='budget-row']").Nth(1).Locator("[data-testid='budget-mtd']").InnerTextAsync()).Trim());

        await page.ClickAsync("[data-testid='sort-team']");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("sort=team"));
        await page.WaitForFunctionAsync("() => document.querySelectorAll(\"[data-testid='budget-row']\")[1].dataset.team === '" + _teams.Keys.Order(StringComparer.Ordinal).Last() + "'");
        Assert.Equal("/api/v1/budgets/export", await page.GetAttributeAsync("[data-testid='budgets-export']", "href"));
        // Finance sets the org-wide budget; team budgets are their managers' (or an admin's).
        Assert.Equal(1, await page.Locator("[data-testid='budget-set']").CountAsync());
        Assert.Equal(1, await page.Locator("[data-testid='budget-row'][data-team='All teams (org)'] [data-testid='budget-set']").CountAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "budgets-finance.png"), FullPage = true });
    }

    [Fact]
    public async Task Each_teams_status_and_reason_are_visible_at_1280_and_readable_at_390()
    {
        // A budget halfway between each team's spend so far and its projected month end: at risk (or on track where the
        // two are within a cent), with the longest reasons.
        await using (var scope = _browserApp.App.Services.CreateAsyncScope())
        {
            var admin = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
                [new(System.Security.Claims.ClaimTypes.Name, "layout-test"), new(System.Security.Claims.ClaimTypes.Role, Roles.Admin)], "test"));
            var outlooks = await scope.ServiceProvider.GetRequiredService<CostConsole.Features.Budgets.BudgetOutlooks>().ComputeAsync();
            foreach (var outlook in outlooks.Where(o => o.TeamId is not null))
            {
                var o = outlook.Outlook;
                var budget = decimal.Round((o.MonthToDateUsd + Math.Max(o.ProjectedMonthEnd24h, o.ProjectedMonthEnd7d)) / 2m, 2) + 0.01m;
                var saved = await scope.ServiceProvider.GetRequiredService<CostConsole.Features.Budgets.BudgetService>()
                    .SetTeamBudgetAsync(admin, outlook.TeamId!.Value, "2026-11", budget.ToString(System.Globalization.CultureInfo.InvariantCulture), null, confirmed: true);
                Assert.True(saved.Saved, string.Join(" ", saved.Errors));
            }
        }

        var page = await OpenAsync(await _browserApp.SignInAsync(Roles.Finance, "/budgets"));
        var rows = page.Locator("[data-testid='budget-row']");
        Assert.Equal(_teams.Count + 1, await rows.CountAsync());
        for (var i = 1; i < _teams.Count + 1; i++)
        {
            var status = await rows.Nth(i).Locator("[data-testid='budget-status']").BoundingBoxAsync();
            var reason = await rows.Nth(i).Locator("[data-testid='budget-reason']").BoundingBoxAsync();
            var figures = await rows.Nth(i).Locator("tr").First.BoundingBoxAsync();
            Assert.Contains((await rows.Nth(i).Locator("[data-testid='budget-status']").InnerTextAsync()).Trim(), (string[])["at risk", "on track"]);
            Assert.True(status!.X >= 0 && status.X + status.Width <= 1280, $"the status of row {i} ends at {status.X + status.Width} px, off a 1280 px page");
            Assert.True(reason!.X + reason.Width <= 1280, $"the reason of row {i} ends at {reason.X + reason.Width} px, off a 1280 px page");
            Assert.True(reason.Height <= 40, $"the reason of row {i} wraps into a {reason.Height} px tall cell");
            Assert.True(figures!.Height <= 56, $"row {i} is {figures.Height} px tall");
            Assert.StartsWith("At ", await rows.Nth(i).Locator("[data-testid='budget-reason']").InnerTextAsync());
        }

        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "budgets-at-risk-1280x800.png"), FullPage = true });

        // A phone: one card per team, status and reason inside the screen, nothing to scroll sideways.
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForSelectorAsync("[data-testid='budget-card']");
        // The drawer slides away and the chart redraws as the page narrows; once they have, nothing is wider than the screen.
        await page.WaitForFunctionAsync("() => document.documentElement.scrollWidth <= window.innerWidth", null, new() { Timeout = 10_000 });
        Assert.False(await page.Locator("[data-testid='budgets-table']").IsVisibleAsync());
        var cards = page.Locator("[data-testid='budget-card']");
        Assert.Equal(_teams.Count + 1, await cards.CountAsync());
        for (var i = 1; i < _teams.Count + 1; i++)
        {
            var status = await cards.Nth(i).Locator("[data-testid='budget-card-status']").BoundingBoxAsync();
            var reason = await cards.Nth(i).Locator("[data-testid='budget-card-reason']").BoundingBoxAsync();
            Assert.True(status!.X + status.Width <= 390 && reason!.X + reason.Width <= 390, $"card {i} runs off a 390 px screen");
        }

        Assert.True(await page.Locator("[data-testid='signed-in-role']").IsVisibleAsync());
        var role = await page.Locator("[data-testid='signed-in-role']").BoundingBoxAsync();
        Assert.True(role!.X + role.Width <= 390, $"the role chip ends at {role.X + role.Width} px, off a 390 px screen");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "budgets-at-risk-390x844.png"), FullPage = true });
    }
}
