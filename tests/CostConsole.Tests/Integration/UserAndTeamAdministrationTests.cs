using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>Bad input to user and team administration: a clear message, and nothing stored changes.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class UserAndTeamAdministrationTests(HistoryFixture fixture) : IDisposable
{
    private readonly AppFactory _app = new(fixture.Prometheus.BaseUrl);

    public void Dispose() => _app.Dispose();

    private async Task<(int Users, int Teams, int Managers)> CountsAsync()
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        return (await db.Users.CountAsync(), await db.Teams.CountAsync(), await db.Set<Dictionary<string, object>>("TeamManagers").CountAsync());
    }

    [Theory]
    [InlineData("not-an-email", Roles.Finance, AppFactory.Password, "is not a valid email address")]
    [InlineData("a@b.example", "Overlord", AppFactory.Password, "'Overlord' is not a role")]
    [InlineData("a@b.example", Roles.Finance, "short", "at least 12 characters")]
    [InlineData("a@b.example", Roles.Finance, "", "A password is required")]
    [InlineData("evil\n@b.example", Roles.Finance, AppFactory.Password, "is not a valid email address")]
    public async Task Invalid_users_are_refused_with_the_reason(string email, string role, string password, string message)
    {
        var before = await CountsAsync();
        await using var scope = _app.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<UserAdministration>().CreateAsync(email, role, password);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Contains(message));
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task A_second_user_with_the_same_email_is_refused()
    {
        var email = await _app.CreateUserAsync(Roles.Finance);
        var before = await CountsAsync();
        await using var scope = _app.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<UserAdministration>().CreateAsync(email.ToUpperInvariant(), Roles.Admin, AppFactory.Password);

        Assert.Contains(result.Errors, e => e.Contains("already exists"));
        Assert.Equal(before, await CountsAsync());
    }

    [Theory]
    [InlineData("", "A team needs a name")]
    [InlineData("   ", "A team needs a name")]
    [InlineData("line\nbreak", "control characters")]
    public async Task Invalid_team_names_are_refused(string name, string message)
    {
        var before = await CountsAsync();
        var teams = _app.Services.CreateScope().ServiceProvider.GetRequiredService<TeamAdministration>();

        var result = await teams.CreateAsync(name);

        Assert.Contains(result.Errors, e => e.Contains(message));
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task Team_names_are_unique_ignoring_case_and_overlong_names_are_refused()
    {
        var teams = _app.Services.CreateScope().ServiceProvider.GetRequiredService<TeamAdministration>();
        Assert.True((await teams.CreateAsync("Search")).Succeeded);
        var before = await CountsAsync();

        var duplicate = await teams.CreateAsync("search ");
        var overlong = await teams.CreateAsync(new string('x', Team.MaxNameLength + 1));

        Assert.Contains(duplicate.Errors, e => e.Contains("already exists"));
        Assert.Contains(overlong.Errors, e => e.Contains($"at most {Team.MaxNameLength}"));
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task Only_users_with_the_Manager_role_can_manage_a_team()
    {
        var teams = _app.Services.CreateScope().ServiceProvider.GetRequiredService<TeamAdministration>();
        await teams.CreateAsync("Growth");
        var team = (await teams.ListAsync()).Single(t => t.Name == "Growth");
        var finance = await _app.CreateUserAsync(Roles.Finance);
        var manager = await _app.CreateUserAsync(Roles.Manager);

        var refused = await teams.AddManagerAsync(team.Id, finance);
        var unknown = await teams.AddManagerAsync(team.Id, "nobody@example.test");
        var accepted = await teams.AddManagerAsync(team.Id, manager);

        Assert.Contains(refused.Errors, e => e.Contains("does not have the Manager role"));
        Assert.Contains(unknown.Errors, e => e.Contains("No user has the email"));
        Assert.True(accepted.Succeeded);
        Assert.Equal([manager], (await teams.ListAsync()).Single(t => t.Name == "Growth").ManagerEmails);
    }

    [Fact]
    public async Task An_admin_cannot_remove_their_own_admin_role()
    {
        var email = await _app.CreateUserAsync(Roles.Admin);
        await using var scope = _app.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        var me = (await admin.ListAsync()).Single(u => u.Email == email);

        var result = await admin.SetRoleAsync(me.Id, Roles.Finance, me.Id);

        Assert.Contains(result.Errors, e => e.Contains("cannot remove your own Admin role"));
        Assert.Equal(Roles.Admin, (await admin.ListAsync()).Single(u => u.Email == email).Role);
    }
}
