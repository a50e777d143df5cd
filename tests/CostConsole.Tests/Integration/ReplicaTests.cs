using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Data;
using CostConsole.Features.ApiTokens;
using CostConsole.Features.Budgets;
using CostConsole.Features.Digests;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Two replicas of CostConsole on one real PostgreSQL database (two app hosts with their own services, pools and
/// caches, one Prometheus, one maildev): threshold mails and a due digest go out once when both replicas act at the
/// same moment; a price saved on one replica reaches the other's next view within seconds (LISTEN/NOTIFY); a sign-in
/// cookie issued by one is accepted by the other (Data Protection keys in the database); one of them holds the ledger.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class ReplicaTests(HistoryFixture fixture, ITestOutputHelper output)
{
    private const string PublicUrl = "https://costconsole.example.test";

    private AppFactory Replica(string name, string database, int smtpPort, TimeProvider clock) => new(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
    {
        ["Database:Provider"] = "PostgreSql",
        ["ConnectionStrings:CostConsole"] = database,
        ["Replica:Name"] = name,
        ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
        ["Ledger:ChunkHours"] = "24",
        ["Smtp:Host"] = "127.0.0.1",
        ["Smtp:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        ["Smtp:Security"] = "None",
        ["Budgets:PublicUrl"] = PublicUrl,
    }, clock);

    [Fact]
    public async Task Two_replicas_mail_once_share_cookies_and_see_each_others_price_changes_within_seconds()
    {
        await using var smtp = await MailDevServer.StartAsync();
        var database = PostgreSqlServer.Shared.CreateDatabase();
        try
        {
            var clock = new SettableTimeProvider(HistoryFixture.End);
            using var a = Replica("replica-a", database, smtp.SmtpPort, clock);
            using var b = Replica("replica-b", database, smtp.SmtpPort, clock);
            Assert.Equal(72, await a.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End));
            _ = b.Server;

            // The team that spent most, two managers, and a budget its spend has passed 90% of: 50% and 80% are crossed.
            var spentByTeam = fixture.History.GroundTruth.GroupBy(t => t.Key.Team).ToDictionary(g => g.Key, g => g.Sum(t => StarterPriceCost.Of(t.Key, t.Value)));
            var (team, spent) = spentByTeam.MaxBy(t => t.Value);
            int teamId;
            await using (var scope = a.Services.CreateAsyncScope())
            {
                var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
                Assert.True((await teams.CreateAsync(team)).Succeeded);
                teamId = (await teams.ListAsync()).Single(t => t.Name == team).Id;
                foreach (var manager in new[] { "lead@example.test", "deputy@example.test" })
                {
                    await a.CreateUserAsync(Roles.Manager, manager);
                    Assert.True((await teams.AddManagerAsync(teamId, manager)).Succeeded);
                }

                var admin = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new(System.Security.Claims.ClaimTypes.Role, Roles.Admin), new(System.Security.Claims.ClaimTypes.Name, "admin@example.test")], "test"));
                Assert.True((await a.Services.GetRequiredService<BudgetService>().SetTeamBudgetAsync(admin, teamId, "2026-11", decimal.Round(spent / 0.9m, 2).ToString(CultureInfo.InvariantCulture), null, false)).Saved);
            }

            // Both replicas' watchers run at once: each crossing is recorded once and each mail claimed by one of them.
            await Task.WhenAll(a.Services.GetRequiredService<BudgetOutlooks>().RecordCrossingsAsync(), b.Services.GetRequiredService<BudgetOutlooks>().RecordCrossingsAsync());
            var sent = await Task.WhenAll(a.Services.GetRequiredService<ThresholdNotifier>().NotifyPendingAsync(PublicUrl), b.Services.GetRequiredService<ThresholdNotifier>().NotifyPendingAsync(PublicUrl));
            Assert.Equal(2, sent.Sum());
            var thresholdMails = await smtp.MessagesAsync();
            Assert.Equal([$"[CostConsole] {team} reached 50% of its November 2026 budget", $"[CostConsole] {team} reached 80% of its November 2026 budget"], thresholdMails.Select(m => m.Subject).Order());

            // A digest due now, run by both replicas at the same moment: one delivery, one mail.
            var lead = a.Anonymous();
            Assert.Equal(HttpStatusCode.Redirect, (await AppFactory.SignInAsync(lead, "lead@example.test", AppFactory.Password)).StatusCode);
            using var subscribed = await lead.PostAsJsonAsync("/api/v1/digests", new { scope = teamId.ToString(CultureInfo.InvariantCulture), sendAt = "08:00", timeZone = "UTC", days = "everyday" });
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
            var digestId = (await subscribed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
            clock.Now = HistoryFixture.End.AddHours(8).AddMinutes(1);
            var runs = await Task.WhenAll(
                a.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(digestId, null, "schedule"),
                b.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(digestId, null, "schedule"));
            Assert.Single(runs, r => r.Sent);
            var digests = (await smtp.MessagesAsync()).Where(m => m.Subject.Contains("on Thu Nov 19", StringComparison.Ordinal)).ToList();
            Assert.Single(digests);

            // A cookie issued by replica A signs the user in on replica B; a forged one does not.
            var signIn = await AppFactory.SignInAsync(a.Anonymous(), "deputy@example.test", AppFactory.Password);
            var cookies = string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
            var onB = b.Anonymous();
            onB.DefaultRequestHeaders.Add("Cookie", cookies);
            using (var page = await onB.GetAsync("/budgets"))
            {
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            }

            var forged = b.Anonymous();
            forged.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookies.Split("; ").Select(c => c[..(c.IndexOf('=') + 1)] + "forged")));
            using (var refused = await forged.GetAsync("/budgets"))
            {
                Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            }

            // A price saved on A reaches B's next view: B's cached answer is dropped when A's signal arrives.
            var (created, token) = await a.Services.GetRequiredService<ApiTokenService>().CreateAsync("finance-script", Roles.Finance, "test");
            Assert.True(created.Succeeded);
            HttpClient WithToken(AppFactory app)
            {
                var client = app.CreateClient();
                client.DefaultRequestHeaders.Authorization = new("Bearer", token);
                return client;
            }

            var query = $"/api/v1/spend?from={HistoryFixture.Start:yyyy-MM-ddTHH:mm:ssZ}&to={HistoryFixture.End:yyyy-MM-ddTHH:mm:ssZ}&model=gpt-4o-mini";
            async Task<decimal> CostAsync(AppFactory app) => (await WithToken(app).GetFromJsonAsync<JsonElement>(query)).GetProperty("totals").GetProperty("costUsd").GetDecimal();
            var before = await CostAsync(b);
            Assert.Equal(before, await CostAsync(b)); // cached now
            var (entries, problems) = PriceCsv.Parse($"{PriceCsv.Header}\ngpt-4o-mini,2026-11-01T00:00:00Z,0.30,1.20,,\n");
            Assert.Empty(problems);
            var clockStart = Stopwatch.StartNew();
            Assert.Empty(await a.Services.GetRequiredService<PriceStore>().ImportAsync(entries, "engineer@example.test"));
            var afterOnA = await CostAsync(a);
            Assert.Equal(before * 2, afterOnA, 5); // every price of the model doubled (the API rounds to the micro-dollar)
            await WaitUntil.ValueAsync(() => CostAsync(b), cost => cost == afterOnA, TimeSpan.FromSeconds(10), "replica B to show the price saved on A");
            output.WriteLine($"B showed the new price {clockStart.ElapsedMilliseconds} ms after A saved it");
            Assert.True(b.Services.GetRequiredService<ChangeSignal>().Received > 0);

            // Lockout is in the database: failures on A lock the account on B too (the rate limiter counts per replica).
            var locked = await a.CreateUserAsync(Roles.Finance);
            var limits = a.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CostConsole.Configuration.SecurityOptions>>().Value;
            for (var i = 0; i < limits.MaxFailedSignIns; i++)
            {
                await AppFactory.SignInAsync(i % 2 == 0 ? a.Anonymous() : b.Anonymous(), locked, "not the password");
            }

            await using (var scope = b.Services.CreateAsyncScope())
            {
                var user = await scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>().FindByEmailAsync(locked);
                Assert.True(user!.LockoutEnd > clock.GetUtcNow(), "the account is locked after the failures spread over both replicas");
            }

            using (var refused = await AppFactory.SignInAsync(b.Anonymous(), locked, AppFactory.Password))
            {
                Assert.NotEqual("/", refused.Headers.Location?.OriginalString);
            }

            // One replica holds the ledger, and each says which.
            var holders = await Task.WhenAll(a.Services.GetRequiredService<LedgerLease>().HoldAsync(), b.Services.GetRequiredService<LedgerLease>().HoldAsync());
            Assert.Single(holders, held => held);
            var writer = holders[0] ? "replica-a" : "replica-b";
            Assert.Equal(writer, await a.Services.GetRequiredService<LedgerLease>().HolderAsync());
            Assert.Equal(writer, await b.Services.GetRequiredService<LedgerLease>().HolderAsync());
            var engineer = await b.SignedInAsync(Roles.Engineer);
            var ready = await engineer.GetFromJsonAsync<JsonElement>("/readyz");
            Assert.Equal(("replica-b", writer), (ready.GetProperty("replica").GetString(), ready.GetProperty("ledgerWriter").GetString()));
            Assert.Contains(writer == "replica-b" ? "this replica (replica-b) holds the ledger lease" : "replica replica-a holds the ledger lease; this one (replica-b) stands by",
                ready.GetProperty("checks").GetProperty("ledger").GetProperty("description").GetString());
        }
        finally
        {
            PostgreSqlServer.Shared.DropDatabase(database);
        }
    }

    /// <summary>
    /// Without sticky sessions, the provider's answer may reach another replica than the one that sent the browser
    /// there: the correlation and nonce cookies and the state are protected with the keys both read from the database.
    /// </summary>
    [Fact]
    public async Task A_sign_in_through_the_provider_begun_on_one_replica_completes_on_the_other()
    {
        var user = new ProviderUser("rita", "rita@corp.example", "Rita", "pw-rita", [TestIdentityProvider.GroupFor(Roles.Engineer)]);
        await using var provider = await TestIdentityProvider.StartAsync([user], ["http://localhost"]);
        var database = PostgreSqlServer.Shared.CreateDatabase();
        try
        {
            AppFactory Node(string name)
            {
                var settings = provider.Settings();
                settings["Database:Provider"] = "PostgreSql";
                settings["ConnectionStrings:CostConsole"] = database;
                settings["Replica:Name"] = name;
                return new AppFactory(fixture.Prometheus.BaseUrl, settings);
            }

            using var a = Node("replica-a");
            using var b = Node("replica-b");
            // One browser (one cookie jar): the provider's callback goes to B, everything else to A.
            var split = new SplitHandler(a.Server.CreateHandler(), b.Server.CreateHandler(), path => path.StartsWith("/signin-oidc", StringComparison.Ordinal));
            using var browser = new HttpClient(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler { InnerHandler = split })
            {
                BaseAddress = new Uri("http://localhost"),
            };
            browser.DefaultRequestHeaders.Add("Origin", "http://localhost");

            using var landed = await provider.SignInAsync(browser, user.Email!, user.Password, "/sources");

            Assert.Equal(HttpStatusCode.Redirect, landed.StatusCode);
            Assert.Equal("/sources", landed.Headers.Location?.OriginalString);
            Assert.Equal(1, split.SecondCount); // the provider's answer, on B
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/sources")).StatusCode); // on A, with B's cookie
        }
        finally
        {
            PostgreSqlServer.Shared.DropDatabase(database);
        }
    }

    private sealed class SplitHandler(HttpMessageHandler first, HttpMessageHandler second, Func<string, bool> toSecond) : DelegatingHandler
    {
        private readonly HttpMessageInvoker _first = new(first), _second = new(second);

        public int SecondCount { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!toSecond(request.RequestUri!.AbsolutePath))
            {
                return _first.SendAsync(request, cancellationToken);
            }

            SecondCount++;
            return _second.SendAsync(request, cancellationToken);
        }
    }
}
