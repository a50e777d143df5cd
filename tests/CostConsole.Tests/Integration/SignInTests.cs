using System.Net;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

[Collection(PrometheusCollection.Name)]
public sealed class SignInTests(HistoryFixture fixture)
{
    [Fact]
    public async Task A_wrong_password_says_so_and_signs_nobody_in()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var email = await app.CreateUserAsync(Roles.Finance);
        var client = app.Anonymous();

        using var response = await AppFactory.SignInAsync(client, email, "not the password at all");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("error=invalid", response.Headers.Location?.OriginalString);
        var page = await client.GetStringAsync(response.Headers.Location);
        Assert.Contains("The email or password is wrong", page);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Failures_from_many_addresses_still_lock_the_account_and_it_answers_like_a_wrong_password()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var email = await app.CreateUserAsync(Roles.Engineer);
        // One address is throttled before it can lock an account (SignInAbuseTests); many addresses still can: the lockout stays.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>();
            var user = await users.FindByEmailAsync(email);
            for (var i = 0; i < 5; i++) await users.AccessFailedAsync(user!);
        }

        var client = app.Anonymous();
        using var response = await AppFactory.SignInAsync(client, email, AppFactory.Password);

        Assert.Contains("error=invalid", response.Headers.Location?.OriginalString);
        Assert.Contains("or the account is locked", await client.GetStringAsync(response.Headers.Location));
        var factory = app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var locked = await db.Users.SingleAsync(u => u.Email == email);
        Assert.True(locked.LockoutEnd > DateTimeOffset.UtcNow.AddMinutes(10));
    }

    [Fact]
    public async Task A_non_ascii_return_url_is_followed_percent_encoded()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var email = await app.CreateUserAsync(Roles.Finance);

        using var response = await AppFactory.SignInAsync(app.Anonymous(), email, AppFactory.Password, "/explore?team=équipe-ß");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/explore?team=%C3%A9quipe-%C3%9F", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    public async Task After_sign_in_only_local_return_urls_are_followed(string returnUrl)
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var email = await app.CreateUserAsync(Roles.Manager);

        using var response = await AppFactory.SignInAsync(app.Anonymous(), email, AppFactory.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_local_return_url_is_followed()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var email = await app.CreateUserAsync(Roles.Admin);

        using var response = await AppFactory.SignInAsync(app.Anonymous(), email, AppFactory.Password, "/admin/teams");

        Assert.Equal("/admin/teams", response.Headers.Location?.OriginalString);
    }
}
