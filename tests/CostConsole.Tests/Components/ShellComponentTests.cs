using Bunit;
using CostConsole.Features.Identity;
using CostConsole.Features.Shell;

namespace CostConsole.Tests.Components;

public sealed class ShellComponentTests : ComponentTestBase
{
    [Theory]
    [InlineData(Roles.Admin, true)]
    [InlineData(Roles.Finance, false)]
    [InlineData(Roles.Engineer, false)]
    [InlineData(Roles.Manager, false)]
    public void The_admin_section_of_the_navigation_is_shown_to_admins_only(string role, bool shown)
    {
        Context.AddAuthorization().SetAuthorized("someone@example.test").SetRoles(role);

        var nav = Render<NavMenu>();

        Assert.Contains("Overview", nav.Markup);
        Assert.Equal(shown, nav.Markup.Contains("/admin/users"));
        Assert.Equal(shown, nav.Markup.Contains("/admin/teams"));
    }

    [Theory]
    [InlineData(403, "403 — not allowed", "Your role cannot open this page")]
    [InlineData(404, "404 — page not found", "There is no page at this address")]
    [InlineData(500, "500 — something went wrong", "server log")]
    public void The_status_page_explains_the_code(int code, string title, string explanation)
    {
        var page = Render<StatusPage>(p => p.Add(c => c.Code, code));

        Assert.Equal(code.ToString(), page.Find("[data-testid='status-page']").GetAttribute("data-status"));
        Assert.Contains(title, page.Markup);
        Assert.Contains(explanation, page.Markup);
    }

    [Fact]
    public void Dark_mode_preference_notifies_subscribers_and_a_user_choice_beats_the_system()
    {
        var preferences = new UiPreferences();
        var changes = 0;
        preferences.Changed += () => changes++;

        preferences.FollowSystem(true);
        Assert.True(preferences.DarkMode);
        preferences.ToggleDarkMode();
        preferences.FollowSystem(true);

        Assert.False(preferences.DarkMode);
        Assert.True(preferences.ChosenByUser);
        Assert.Equal(2, changes);
    }
}
