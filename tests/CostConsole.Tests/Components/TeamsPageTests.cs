using Bunit;
using CostConsole.Data;
using CostConsole.Features.Teams;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Components;

/// <summary>The teams page over a real SQLite file: empty state, creating a team, and a refused duplicate.</summary>
public sealed class TeamsPageTests : ComponentTestBase
{
    private const string NameInput = "input[data-testid='team-name'], [data-testid='team-name'] input";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("costconsole-bunit-");

    public TeamsPageTests()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:CostConsole"] = $"Data Source={Path.Combine(_folder.FullName, "teams.db")}" })
            .Build();
        Context.Services.AddLogging();
        Context.Services.AddSingleton(TimeProvider.System);
        Context.Services.AddCostConsoleData(configuration);
        Context.Services.AddScoped<TeamAdministration>();
        Context.Services.AddScoped<CostConsole.Features.Identity.AdminCheck>();
        // The page re-checks in the database that the signed-in user is an enabled Admin before each change.
        Context.AddAuthorization().SetAuthorized(AdminEmail).SetRoles(CostConsole.Features.Identity.Roles.Admin)
            .SetClaims(new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.NameIdentifier, AdminId));
    }

    private const string AdminId = "admin-1";
    private const string AdminEmail = "admin@example.test";

    public override async Task InitializeAsync()
    {
        await DatabaseSetup.MigrateAsync(Services);
        await using var db = await Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        db.Users.Add(new CostConsole.Features.Identity.AppUser { Id = AdminId, UserName = AdminEmail, Email = AdminEmail });
        foreach (var role in CostConsole.Features.Identity.Roles.All)
        {
            db.Roles.Add(new Microsoft.AspNetCore.Identity.IdentityRole(role) { Id = role, NormalizedName = role.ToUpperInvariant() });
        }

        db.UserRoles.Add(new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = AdminId, RoleId = CostConsole.Features.Identity.Roles.Admin });
        await db.SaveChangesAsync();
        Render<MudBlazor.MudPopoverProvider>();
    }

    [Fact]
    public async Task An_open_page_of_an_admin_since_demoted_changes_nothing()
    {
        var page = Render<TeamsPage>();
        page.WaitForElement("[data-testid='teams-empty']");
        await using (var db = await Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync())
        {
            db.UserRoles.Remove(await db.UserRoles.SingleAsync(r => r.UserId == AdminId));
            db.UserRoles.Add(new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = AdminId, RoleId = CostConsole.Features.Identity.Roles.Finance });
            await db.SaveChangesAsync();
        }

        page.Find(NameInput).Change("Platform");
        await page.Find("[data-testid='create-team']").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains("You are no longer an Admin", page.Markup));
        await using var check = await Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        Assert.Empty(await check.Teams.ToListAsync());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public void Without_teams_the_page_says_how_to_start()
    {
        var page = Render<TeamsPage>();

        page.WaitForAssertion(() => Assert.Contains("No teams yet", page.Find("[data-testid='teams-empty']").TextContent));
    }

    [Fact]
    public async Task Creating_a_team_lists_it_and_a_duplicate_is_refused_with_nothing_added()
    {
        var page = Render<TeamsPage>();
        page.WaitForElement("[data-testid='teams-empty']");

        page.Find(NameInput).Change("Platform");
        await page.Find("[data-testid='create-team']").ClickAsync(new());
        page.WaitForAssertion(() => Assert.Contains("Platform", page.Find("table").TextContent));

        page.Find(NameInput).Change("platform");
        await page.Find("[data-testid='create-team']").ClickAsync(new());
        page.WaitForAssertion(() => Assert.Contains("already exists", page.Find("[data-testid='team-error']").TextContent));

        await using var db = await Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        Assert.Equal(["Platform"], await db.Teams.Select(t => t.Name).ToListAsync());
    }

    [Fact]
    public async Task A_manager_from_the_identity_provider_is_marked_and_cannot_be_removed_here()
    {
        await using (var db = await Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync())
        {
            var fromProvider = new CostConsole.Features.Identity.AppUser { Id = "m-1", UserName = "max@corp.example", Email = "max@corp.example", RoleFromProvider = true };
            var byHand = new CostConsole.Features.Identity.AppUser { Id = "m-2", UserName = "lou@corp.example", Email = "lou@corp.example" };
            db.Users.AddRange(fromProvider, byHand);
            db.Teams.Add(new Team { Name = "search", Managers = [fromProvider, byHand] });
            await db.SaveChangesAsync();
        }

        var page = Render<TeamsPage>();

        page.WaitForAssertion(() => Assert.Contains("max@corp.example · from provider", page.Find("[data-testid='team-manager-from-provider']").TextContent));
        var marked = page.Find("[data-testid='team-manager-from-provider']");
        Assert.Empty(marked.QuerySelectorAll("button")); // no close button
        Assert.Single(page.Find("[data-testid='team-manager']").QuerySelectorAll("button")); // the hand-given one has one
    }
}
