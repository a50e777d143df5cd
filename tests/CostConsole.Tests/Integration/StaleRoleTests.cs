using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CostConsole.Features.ApiTokens;
using CostConsole.Features.Digests;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Roles that take effect: a demoted Admin's cookie loses the admin pages and writes within Security:RevalidateSeconds,
/// the tokens they created stop at once, and a disabled user can neither sign in nor use a session, and gets no digest.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class StaleRoleTests(HistoryFixture fixture)
{
    private const int RevalidateSeconds = 5;

    private AppFactory NewApp() => new(fixture.Prometheus.BaseUrl, new Dictionary<string, string?> { ["Security:RevalidateSeconds"] = $"{RevalidateSeconds}" });

    private static async Task<string> UserIdAsync(AppFactory app, string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email))!.Id;
    }

    /// <summary>Asks until the answer is <paramref name="expected"/>; the revalidation interval bounds how long that takes.</summary>
    private static Task<HttpStatusCode> UntilAsync(Func<Task<HttpStatusCode>> ask, HttpStatusCode expected) =>
        WaitUntil.ValueAsync(ask, status => status == expected, TimeSpan.FromSeconds(RevalidateSeconds * 6), $"the answer {(int)expected}");

    [Fact]
    public async Task A_demoted_admin_loses_admin_pages_writes_and_tokens()
    {
        using var app = NewApp();
        var (email, other) = (await app.CreateUserAsync(Roles.Admin), await app.CreateUserAsync(Roles.Admin));
        var client = app.Anonymous();
        await AppFactory.SignInAsync(client, email, AppFactory.Password);
        var (id, otherId) = (await UserIdAsync(app, email), await UserIdAsync(app, other));
        string token;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            // As the tokens page does: the token records the admin who created it.
            var (result, secret) = await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync("admin-script", Roles.Admin, email, creatorUserId: id);
            Assert.True(result.Succeeded);
            token = secret!;
        }

        using var script = app.Anonymous();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/v1/budgets/audit")).StatusCode);

        // Another admin demotes them, through the code the users page calls.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetRoleAsync(id, Roles.Finance, otherId)).Succeeded);
        }

        // Their token acts for them: refused at once, not after the cookie's interval.
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/v1/budgets/audit")).StatusCode);
        // Their cookie: the admin page and an admin's write are refused within the revalidation interval.
        await UntilAsync(async () => (await client.GetAsync("/admin/users")).StatusCode, HttpStatusCode.Redirect);
        var signedOut = await client.GetAsync("/admin/users");
        Assert.StartsWith("/account/login", signedOut.Headers.Location?.OriginalString);
        using var write = await client.PutAsync("/api/v1/budgets/org", new StringContent("""{"fromMonth":"2026-12","monthlyUsd":"1"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);

        // Signing in again gives the new role only.
        await AppFactory.SignInAsync(client, email, AppFactory.Password);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/budgets")).StatusCode);
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in_their_session_ends_and_no_digest_is_sent()
    {
        using var app = NewApp();
        var (finance, admin) = (await app.CreateUserAsync(Roles.Finance), await app.CreateUserAsync(Roles.Admin));
        var client = app.Anonymous();
        await AppFactory.SignInAsync(client, finance, AppFactory.Password);
        using var subscribed = await client.PostAsync("/api/v1/digests", new StringContent("""{"scope":"org","sendAt":"08:00","timeZone":"UTC"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        var subscription = System.Text.Json.JsonDocument.Parse(await subscribed.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var (financeId, adminId) = (await UserIdAsync(app, finance), await UserIdAsync(app, admin));

        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetEnabledAsync(financeId, false, adminId, admin)).Succeeded);
            var listed = (await scope.ServiceProvider.GetRequiredService<UserAdministration>().ListAsync()).Single(u => u.Email == finance);
            Assert.False(listed.Enabled);
            Assert.Equal(admin, listed.DisabledBy);
            Assert.NotNull(listed.LastSignInUtc);
        }

        await UntilAsync(async () => (await client.GetAsync("/")).StatusCode, HttpStatusCode.Redirect);
        using var again = await AppFactory.SignInAsync(app.Anonymous(), finance, AppFactory.Password);
        Assert.Contains("error=invalid", again.Headers.Location?.OriginalString);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var outcome = await scope.ServiceProvider.GetRequiredService<DigestDeliveries>().RunScheduledAsync(subscription, new DateOnly(2026, 11, 19), "test");
            Assert.False(outcome.Sent);
            Assert.Contains("is disabled: no digest is sent", outcome.Delivery?.Reply ?? outcome.Message);

            // Enabled again: signing in works; nothing was deleted.
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetEnabledAsync(financeId, true, adminId, admin)).Succeeded);
        }

        using var back = await AppFactory.SignInAsync(app.Anonymous(), finance, AppFactory.Password);
        Assert.Equal("/", back.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task An_admin_cannot_disable_themselves()
    {
        using var app = NewApp();
        var admin = await app.CreateUserAsync(Roles.Admin);
        var id = await UserIdAsync(app, admin);
        await using var scope = app.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetEnabledAsync(id, false, id, admin);

        Assert.False(result.Succeeded);
        Assert.Contains("cannot disable yourself", result.Errors.Single());
    }
}
