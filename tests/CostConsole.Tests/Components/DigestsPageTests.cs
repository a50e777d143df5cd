using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using CostConsole.Data;
using CostConsole.Features.Digests;
using CostConsole.Features.Identity;
using CostConsole.Features.Mail;
using CostConsole.Tests.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Components;

/// <summary>The digests page as a whole, over the app's own subscription services (Hangfire in memory) and SQLite.</summary>
public sealed class DigestsPageTests : AppPageTestBase
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 30, 0, TimeSpan.Zero);
    private const string Email = "finance@example.test";
    private const string UserId = "user-" + Roles.Finance;


    public DigestsPageTests()
        : base(Now)
    {
        Context.Services.AddCostConsoleMail();
        Context.Services.AddCostConsoleDigests(new ConfigurationBuilder().Build());
        User.SignIn(Email, Roles.Finance);
    }

    public override async Task InitializeAsync()
    {
        await DatabaseSetup.MigrateAsync(Services);
        await using var db = await Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        db.Users.Add(new AppUser { Id = UserId, UserName = Email, Email = Email, NormalizedEmail = Email.ToUpperInvariant(), NormalizedUserName = Email.ToUpperInvariant() });
        foreach (var role in Roles.All)
        {
            db.Roles.Add(new IdentityRole(role) { Id = role, NormalizedName = role.ToUpperInvariant() });
        }

        db.UserRoles.Add(new IdentityUserRole<string> { UserId = UserId, RoleId = Roles.Finance });
        await db.SaveChangesAsync();
        Render<MudBlazor.MudPopoverProvider>();
    }

    private static ClaimsPrincipal Finance() =>
        new(new ClaimsIdentity([new(ClaimTypes.NameIdentifier, UserId), new(ClaimTypes.Name, Email), new(ClaimTypes.Role, Roles.Finance)], "test"));

    [Fact]
    public void Without_a_subscription_the_page_says_so_offers_the_form_and_says_mail_is_off()
    {
        var page = Render<DigestsPage>();

        page.WaitForElement("[data-testid='digests-empty']");
        Assert.Equal("You receive no digest yet: subscribe above.", page.Find("[data-testid='digests-empty']").TextContent.Trim());
        Assert.NotEmpty(page.FindAll("[data-testid='subscribe-form']"));
        Assert.Contains("Smtp:Host is not set", page.Find("[data-testid='mail-off']").TextContent);
    }

    [Fact]
    public async Task A_subscription_is_listed_with_its_time_zone_and_no_delivery_yet()
    {
        var change = await Services.GetRequiredService<DigestSubscriptions>().CreateAsync(Finance(), new SubscriptionDraft("org", "08:00", "Europe/Berlin", "weekdays"));
        Assert.True(change.Saved, string.Join(" ", change.Errors));

        var page = Render<DigestsPage>();
        page.WaitForElement("[data-testid='digest-row']");

        var row = page.Find("[data-testid='digest-row']");
        Assert.Equal(change.Id!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), row.GetAttribute("data-id"));
        Assert.Contains("08:00", row.TextContent);
        Assert.Contains("Europe/Berlin", row.TextContent);
        Assert.Equal("none yet", row.QuerySelector("[data-testid='digest-last']")!.TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid='digests-empty']"));
    }

    [Fact]
    public void Subscriptions_that_cannot_be_read_are_not_shown_as_none()
    {
        RemoveDatabase();

        var page = Render<DigestsPage>();

        page.WaitForElement("[data-testid='digests-error']");
        Assert.StartsWith("Subscriptions could not be read:", page.Find("[data-testid='digests-error']").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid='digests-empty']"));
    }
}
