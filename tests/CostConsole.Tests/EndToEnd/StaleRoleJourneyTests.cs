using System.Text.RegularExpressions;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.EndToEnd;

/// <summary>
/// An admin's live page (a Blazor circuit, not a request) after they are demoted: a change made from it is refused at
/// once (the page re-checks in the database), and within Security:RevalidateSeconds the circuit drops the old role
/// and sends them to sign in.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class StaleRoleJourneyTests(HistoryFixture prometheus) : IAsyncLifetime
{
    private BrowserApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await BrowserApp.StartAsync(prometheus.Prometheus.BaseUrl, settings: new Dictionary<string, string?> { ["Security:RevalidateSeconds"] = "5" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_demoted_admins_open_page_changes_nothing_and_then_signs_them_out()
    {
        var (demoted, other) = (await _app.App.CreateUserAsync(Roles.Admin), await _app.App.CreateUserAsync(Roles.Admin));
        var page = await _app.SignInAsUserAsync(demoted, "/admin/users");
        await page.WaitForURLAsync(new Regex("/admin/users$"));
        await page.WaitForSelectorAsync("[data-interactive='true'] [data-testid='create-user']");

        await using (var scope = _app.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var (id, otherId) = ((await users.FindByEmailAsync(demoted))!.Id, (await users.FindByEmailAsync(other))!.Id);
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetRoleAsync(id, Roles.Finance, otherId)).Succeeded);
        }

        // Still on the page the circuit opened as an Admin: the change is refused in the database's terms.
        await page.FillAsync("input[data-testid='user-email'], [data-testid='user-email'] input", "planted@example.test");
        await page.FillAsync("input[data-testid='user-password'], [data-testid='user-password'] input", AppFactory.Password);
        await page.ClickAsync("[data-testid='create-user']");
        await page.WaitForSelectorAsync("[data-testid='user-error']");
        Assert.Contains("You are no longer an Admin", await page.InnerTextAsync("[data-testid='user-error']"));
        await using (var scope = _app.App.Services.CreateAsyncScope())
        {
            Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync("planted@example.test"));
        }

        // The circuit revalidates: the old session ends and the page asks for sign-in.
        await page.WaitForURLAsync(new Regex("/account/login"), new() { Timeout = 30_000 });
        await page.CloseAsync();
    }
}
