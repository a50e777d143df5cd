using System.Net;
using System.Net.Http.Json;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Identity.Oidc;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Sign-in through a real OpenID provider (oidc-provider on loopback, <see cref="TestIdentityProvider"/>): accounts
/// made just in time, roles and managed teams from groups at every sign-in, disabled users staying out, local
/// accounts switched off only once an Admin came through the provider, and each bad setting named on the sign-in page;
/// on SQLite and on PostgreSQL.
/// </summary>
public abstract class ProviderSignInTests(HistoryFixture fixture, DatabaseProvider database)
{
    [Collection(PrometheusCollection.Name)]
    public sealed class OnSqlite(HistoryFixture fixture) : ProviderSignInTests(fixture, DatabaseProvider.Sqlite);

    [Collection(PrometheusCollection.Name)]
    public sealed class OnPostgreSql(HistoryFixture fixture) : ProviderSignInTests(fixture, DatabaseProvider.PostgreSql);

    private const string App = "http://localhost";

    private static ProviderUser User(string id, string role, params string[] moreGroups) =>
        new(id, $"{id}@corp.example", $"{id} Example", $"pw-{id}", [TestIdentityProvider.GroupFor(role), .. moreGroups]);

    private static HttpClient Browser(AppFactory app)
    {
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Add("Origin", App);
        return client;
    }

    private static async Task<(AppUser? User, IList<string> Roles, IList<string> Teams, IList<UserLoginInfo> Logins)> StoredAsync(AppFactory app, string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByEmailAsync(email);
        if (user is null) return (null, [], [], []);
        var summary = (await scope.ServiceProvider.GetRequiredService<UserAdministration>().ListAsync()).Single(u => u.Id == user.Id);
        return (user, await users.GetRolesAsync(user), [.. summary.Teams], await users.GetLoginsAsync(user));
    }

    private async Task<int> UserCountAsync(AppFactory app) =>
        (await app.Services.CreateAsyncScope().ServiceProvider.GetRequiredService<UserAdministration>().ListAsync()).Count;

    [Fact]
    public async Task A_finance_user_is_created_at_first_sign_in_with_the_role_their_group_maps_to()
    {
        var alice = User("alice", Roles.Finance, "some-other-group");
        await using var idp = await TestIdentityProvider.StartAsync([alice], [App]);
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, idp.Settings(), database: database);
        var client = Browser(app);

        using var landed = await idp.SignInAsync(client, alice.Email!, alice.Password, "/budgets");

        Assert.Equal(HttpStatusCode.Redirect, landed.StatusCode);
        Assert.Equal("/budgets", landed.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/budgets")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/sources")).StatusCode); // Finance, not Engineer
        var (user, roles, _, logins) = await StoredAsync(app, alice.Email!);
        Assert.NotNull(user);
        Assert.Equal([Roles.Finance], roles);
        Assert.True(user.RoleFromProvider);
        Assert.Equal("alice Example", user.DisplayName);
        Assert.Equal(alice.Id, Assert.Single(logins).ProviderKey);
        Assert.Null(await app.Services.CreateAsyncScope().ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync("nobody@corp.example"));

        // The Admin's page says where the role comes from, and refuses to change it by hand.
        await using var scope = app.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        var summary = (await admin.ListAsync()).Single(u => u.Email == alice.Email);
        Assert.True(summary.RoleFromProvider);
        Assert.True(summary.SignsInWithProvider);
        var refused = await admin.SetRoleAsync(user.Id, Roles.Admin, "someone-else");
        Assert.False(refused.Succeeded);
        Assert.Contains("identity provider", Assert.Single(refused.Errors));
        Assert.Equal([Roles.Finance], (await StoredAsync(app, alice.Email!)).Roles);
    }

    [Fact]
    public async Task The_client_secret_can_come_from_a_file_as_a_mounted_secret_does()
    {
        var gus = User("gus", Roles.Engineer);
        await using var idp = await TestIdentityProvider.StartAsync([gus], [App]);
        var secretFile = Path.Combine(Directory.CreateTempSubdirectory("costconsole-secret-").FullName, "client-secret");
        await File.WriteAllTextAsync(secretFile, TestIdentityProvider.ClientSecret + "\n");
        var settings = idp.Settings(secret: "");
        settings["Authentication:Oidc:ClientSecretFile"] = secretFile;
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, settings, database: database);

        using var landed = await idp.SignInAsync(Browser(app), gus.Email!, gus.Password);

        Assert.Equal("/", landed.Headers.Location?.OriginalString);
        Assert.Equal([Roles.Engineer], (await StoredAsync(app, gus.Email!)).Roles);
    }

    [Fact]
    public async Task A_team_managers_group_makes_a_manager_of_that_team_and_groups_for_unknown_teams_grant_nothing()
    {
        var mona = new ProviderUser("mona", "mona@corp.example", "Mona", "pw-mona", ["costconsole-team-SEARCH-managers", "costconsole-team-nope-managers"]);
        await using var idp = await TestIdentityProvider.StartAsync([mona], [App]);
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, idp.Settings(), database: database);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var setup = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
            Assert.True((await setup.CreateAsync("search")).Succeeded);
            Assert.True((await setup.CreateAsync("billing")).Succeeded);
        }

        using var landed = await idp.SignInAsync(Browser(app), mona.Email!, mona.Password);

        Assert.Equal("/", landed.Headers.Location?.OriginalString);
        var (user, roles, teams, _) = await StoredAsync(app, mona.Email!);
        Assert.Equal([Roles.Manager], roles);
        Assert.Equal(["search"], teams);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var administration = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
            Assert.Equal(["billing", "search"], (await administration.ListAsync()).Select(t => t.Name).Order());
            // Provider-managed: the Admin cannot add or remove teams by hand.
            var billing = (await administration.ListAsync()).Single(t => t.Name == "billing");
            var refused = await administration.AddManagerAsync(billing.Id, mona.Email);
            Assert.Contains("identity provider", Assert.Single(refused.Errors));
        }

        Assert.Equal(["search"], (await StoredAsync(app, mona.Email!)).Teams);
        Assert.True(user!.RoleFromProvider);
    }

    [Fact]
    public async Task Removing_the_group_at_the_provider_removes_the_role_at_the_next_sign_in_and_ends_the_older_session()
    {
        var bob = User("bob", Roles.Engineer);
        await using var idp = await TestIdentityProvider.StartAsync([bob], [App]);
        var settings = idp.Settings();
        settings["Security:RevalidateSeconds"] = "5";
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, settings, database: database);
        var first = Browser(app);
        await idp.SignInAsync(first, bob.Email!, bob.Password);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/sources")).StatusCode);

        await idp.SetUsersAsync([bob with { Groups = ["costconsole-nothing", "<b>not markup</b>"] }]);
        var second = Browser(app);
        using var refused = await idp.SignInAsync(second, bob.Email!, bob.Password);

        var location = refused.Headers.Location!.OriginalString;
        Assert.StartsWith("/account/no-access?ticket=", location);
        var page = await second.GetStringAsync(location);
        Assert.Contains("bob@corp.example", page);
        Assert.Contains("&lt;b&gt;not markup&lt;/b&gt;", page); // the provider's text, shown as text
        Assert.DoesNotContain("<b>not markup</b>", page);
        Assert.Contains("the FinOps team (#finops)", page);
        Assert.Equal(HttpStatusCode.Redirect, (await second.GetAsync("/")).StatusCode); // not signed in
        var (user, roles, _, _) = await StoredAsync(app, bob.Email!);
        Assert.Empty(roles);
        Assert.False(user!.RoleFromProvider);

        // The session opened before the change ends within the revalidation interval (the stamp was renewed).
        await WaitUntil.TrueAsync(async () => (await first.GetAsync("/sources")).StatusCode == HttpStatusCode.Redirect, TimeSpan.FromSeconds(30), "the older session to end");
    }

    [Fact]
    public async Task A_provider_session_ends_after_SessionHours_and_the_next_sign_in_reads_the_groups_afresh()
    {
        var hal = User("hal", Roles.Engineer);
        await using var idp = await TestIdentityProvider.StartAsync([hal], [App]);
        var settings = idp.Settings();
        settings["Authentication:Oidc:SessionHours"] = "2";
        var clock = new SettableTimeProvider(DateTimeOffset.UtcNow);
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, settings, clock, database: database);
        var client = Browser(app);
        await idp.SignInAsync(client, hal.Email!, hal.Password);
        var local = Browser(app);
        using (var signedIn = await AppFactory.SignInAsync(local, await app.CreateUserAsync(Roles.Finance), AppFactory.Password))
        {
            Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        }

        // Within the limit, and past the stamp check's interval, the session holds (the stamp check renews the cookie).
        clock.Now += TimeSpan.FromMinutes(90);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/sources")).StatusCode);
        await idp.SetUsersAsync([hal with { Groups = [TestIdentityProvider.GroupFor(Roles.Finance)] }]);

        // Past it, the provider session ends (a password session does not), and the provider is asked again.
        clock.Now += TimeSpan.FromMinutes(40);
        using (var ended = await client.GetAsync("/exports"))
        {
            Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
            Assert.StartsWith("/account/login", ended.Headers.Location?.OriginalString);
        }

        Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("/exports")).StatusCode);
        await idp.SignInAsync(client, hal.Email!, hal.Password);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/budgets")).StatusCode);
        Assert.Equal([Roles.Finance], (await StoredAsync(app, hal.Email!)).Roles);
    }

    [Fact]
    public async Task A_user_disabled_in_CostConsole_stays_disabled_whatever_the_provider_says()
    {
        var carol = User("carol", Roles.Admin);
        await using var idp = await TestIdentityProvider.StartAsync([carol], [App]);
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, idp.Settings(), database: database);
        await idp.SignInAsync(Browser(app), carol.Email!, carol.Password);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var user = (await StoredAsync(app, carol.Email!)).User!;
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetEnabledAsync(user.Id, false, "another-admin", "root@corp.example")).Succeeded);
        }

        var client = Browser(app);
        using var refused = await idp.SignInAsync(client, carol.Email!, carol.Password);

        Assert.Equal($"{IdentitySetup.LoginPath}?error={ProviderFailure.Disabled}", refused.Headers.Location?.OriginalString);
        Assert.Contains("Your CostConsole account is disabled", await client.GetStringAsync(refused.Headers.Location));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
        Assert.False((await StoredAsync(app, carol.Email!)).User!.Enabled);
    }

    [Fact]
    public async Task Local_accounts_switch_off_only_once_an_admin_has_signed_in_through_the_provider()
    {
        var root = User("root", Roles.Admin);
        await using var idp = await TestIdentityProvider.StartAsync([root], [App]);
        var settings = idp.Settings();
        settings["Authentication:LocalAccounts"] = "false";
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, settings, database: database);
        var local = await app.CreateUserAsync(Roles.Finance);

        // No Admin has come through the provider yet: turning local accounts off would lock everyone out.
        using (var before = await AppFactory.SignInAsync(Browser(app), local, AppFactory.Password))
        {
            Assert.Equal("/", before.Headers.Location?.OriginalString);
        }

        await idp.SignInAsync(Browser(app), root.Email!, root.Password);

        var client = Browser(app);
        var page = await client.GetStringAsync("/account/login");
        Assert.DoesNotContain("id=\"password\"", page);
        Assert.Contains("Sign in with Test provider", page);
        using var after = await AppFactory.SignInAsync(client, local, AppFactory.Password);
        Assert.Equal($"{IdentitySetup.LoginPath}?error=local-off&returnUrl=%2F", after.Headers.Location?.OriginalString);
        Assert.Contains("CostConsole accounts are switched off (Authentication:LocalAccounts)", await client.GetStringAsync(after.Headers.Location));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task An_existing_local_account_is_linked_by_its_email_and_its_role_then_follows_the_groups()
    {
        var dana = User("dana", Roles.Engineer);
        await using var idp = await TestIdentityProvider.StartAsync([dana], [App]);
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, idp.Settings(), database: database);
        await app.CreateUserAsync(Roles.Finance, dana.Email);
        var users = await UserCountAsync(app);

        await idp.SignInAsync(Browser(app), dana.Email!, dana.Password);

        var (user, roles, _, logins) = await StoredAsync(app, dana.Email!);
        Assert.Equal(users, await UserCountAsync(app));
        Assert.Equal([Roles.Engineer], roles);
        Assert.Equal(dana.Id, Assert.Single(logins).ProviderKey);
        Assert.True(user!.RoleFromProvider);
    }

    /// <summary>Each bad setting or bad token: the sign-in page names what to check, no account is made, local sign-in still works.</summary>
    public static TheoryData<string> BadSetups => ["unreachable authority", "wrong client secret", "issuer mismatch", "unknown signing key", "missing email claim"];

    [Theory]
    [MemberData(nameof(BadSetups))]
    public async Task A_bad_setup_is_named_on_the_sign_in_page_creates_no_account_and_leaves_local_sign_in_working(string setup)
    {
        var erin = User("erin", Roles.Admin);
        if (setup == "missing email claim") erin = erin with { Email = null };
        await using var idp = await TestIdentityProvider.StartAsync([erin], [App], publishWrongKeys: setup == "unknown signing key");
        var (settings, code, names) = setup switch
        {
            "unreachable authority" => (idp.Settings(authority: $"http://127.0.0.1:{PrometheusServer.FreePort()}"), ProviderFailure.Unreachable, "Authentication:Oidc:Authority"),
            "wrong client secret" => (idp.Settings(secret: "not-the-secret"), ProviderFailure.Client, "Authentication:Oidc:ClientSecret"),
            "issuer mismatch" => (idp.Settings(authority: idp.OtherName), ProviderFailure.IssuerMismatch, "Authentication:Oidc:Authority"),
            "unknown signing key" => (idp.Settings(), ProviderFailure.SigningKey, "Authentication:Oidc:Authority"),
            _ => (idp.Settings(), ProviderFailure.NoEmail, "Authentication:Oidc:Scopes"),
        };
        var logged = new List<string>();
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, settings, database: database) { Replace = services => services.AddSingleton<ILoggerProvider>(new ListLogger(logged)) };
        var local = await app.CreateUserAsync(Roles.Finance);
        var users = await UserCountAsync(app);
        var client = Browser(app);

        using var refused = await idp.SignInAsync(client, erin.Email ?? erin.Id, erin.Password);

        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        var location = refused.Headers.Location!.OriginalString;
        Assert.StartsWith($"{IdentitySetup.LoginPath}?error={code}", location);
        var page = WebUtility.HtmlDecode(await client.GetStringAsync(location));
        Assert.Contains(names, page);
        Assert.Contains(ProviderFailure.Message(code)![..40], page);
        Assert.Equal(users, await UserCountAsync(app));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
        using var signedIn = await AppFactory.SignInAsync(Browser(app), local, AppFactory.Password);
        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);

        // The log says what failed; no client secret, right or wrong, is ever in it.
        lock (logged)
        {
            var why = code switch
            {
                ProviderFailure.Unreachable => "discovery document at",
                ProviderFailure.IssuerMismatch => "says its issuer is",
                ProviderFailure.NoEmail => "no usable email claim",
                _ => $"({code})",
            };
            Assert.Contains(logged, line => line.Contains(why, StringComparison.Ordinal));
            Assert.DoesNotContain(logged, line => line.Contains(TestIdentityProvider.ClientSecret, StringComparison.Ordinal) || line.Contains("not-the-secret", StringComparison.Ordinal));
        }

        // An operator reads the same on /readyz: the provider degrades readiness (it never fails it) when it cannot be read.
        var ready = await (await app.SignedInAsync(Roles.Admin)).GetFromJsonAsync<System.Text.Json.JsonElement>("/readyz");
        var check = ready.GetProperty("checks").GetProperty("identity-provider");
        var unreadable = code is ProviderFailure.Unreachable or ProviderFailure.IssuerMismatch;
        Assert.Equal(unreadable ? "Degraded" : "Healthy", check.GetProperty("status").GetString());
        Assert.Contains(unreadable ? "Authentication:Oidc:Authority" : "answers", check.GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_sign_in_started_from_another_site_or_a_forged_no_access_link_leads_nowhere()
    {
        await using var idp = await TestIdentityProvider.StartAsync([User("ivy", Roles.Finance)], [App]);
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, idp.Settings(), database: database);
        var client = Browser(app);

        // Without the sign-in page's antiforgery token the form post is refused: no trip to the provider.
        using var forged = await client.PostAsync("/account/oidc", new FormUrlEncodedContent(new Dictionary<string, string> { ["returnUrl"] = "/" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null(forged.Headers.Location);

        // The no-access page shows only what a ticket it protected says; anything else gets the general text.
        var page = await client.GetStringAsync("/account/no-access?ticket=" + Uri.EscapeDataString("<script>alert(1)</script>"));
        Assert.Contains("None of your groups at the identity provider gives a role in CostConsole.", page);
        Assert.DoesNotContain("<script>alert(1)</script>", page);
        Assert.DoesNotContain("no-access-who", page);
    }

    [Fact]
    public async Task Sign_out_ends_the_local_session_and_sends_the_browser_to_end_the_providers_with_its_id_token()
    {
        var fay = User("fay", Roles.Finance);
        await using var idp = await TestIdentityProvider.StartAsync([fay], [App]);
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, idp.Settings(), database: database);
        var client = Browser(app);
        await idp.SignInAsync(client, fay.Email!, fay.Password);
        var page = await client.GetStringAsync("/exports");
        var token = AppFactory.AntiforgeryToken(page);

        using var signedOut = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        var location = signedOut.Headers.Location!;
        Assert.Equal($"{idp.Issuer}/session/end", location.GetLeftPart(UriPartial.Path));
        var query = System.Web.HttpUtility.ParseQueryString(location.Query);
        Assert.Equal(3, query["id_token_hint"]!.Split('.').Length);
        Assert.Equal($"{App}/signout-callback-oidc", query["post_logout_redirect_uri"]);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/exports")).StatusCode);
    }
}
