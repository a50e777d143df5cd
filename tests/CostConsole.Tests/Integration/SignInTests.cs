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
        Assert.Contains("The email or password is wrong.", page);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Five_failures_lock_the_account_even_against_the_right_password()
    {
        using var app = new AppFactory(fixture.Prometheus.BaseUrl);
        var email = await app.CreateUserAsync(Roles.Engineer);
        var client = app.Anonymous();

        for (var i = 0; i < 5; i++)
        {
            await AppFactory.SignInAsync(client, email, $"wrong password {i}");
        }

        using var response = await AppFactory.SignInAsync(client, email, AppFactory.Password);

        Assert.Contains("error=locked", response.Headers.Location?.OriginalString);
        Assert.Contains("locked", await client.GetStringAsync(response.Headers.Location));
        var factory = app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var user = await db.Users.SingleAsync(u => u.Email == email);
        Assert.True(user.LockoutEnd > DateTimeOffset.UtcNow.AddMinutes(10));
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
