using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Data;
using CostConsole.Features.Budgets;
using CostConsole.Features.Digests;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Features.Teams;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>Nine days of history from the 1st of the month, so a digest can compare a day with the same weekday a week before.</summary>
public sealed class DigestHistoryFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset End = Start.AddDays(9);

    public static WorkloadSettings Settings { get; } = new()
    {
        Seed = 811,
        Start = Start,
        FeatureCount = 6,
        PodsPerTeam = 1,
        MinPodLifetimeHours = 20,
        MaxPodLifetimeHours = 60,
        SpikeDay = Start.AddDays(7),
    };

    public PrometheusServer Prometheus { get; private set; } = null!;

    public Simulation History => Prometheus.History!;

    /// <summary>The instant the digest tests' apps live at: 08:01 UTC on the 9th (the 08:00 digest of the 9th is due).</summary>
    public static readonly DateTimeOffset Now = Start.AddDays(8).AddHours(8).AddMinutes(1);

    /// <summary>The history ingested once, as an app at <see cref="Now"/> would (through 08:00 on the 9th).</summary>
    public FilledLedger Ledger { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Prometheus = await PrometheusServer.StartAsync(Settings, End);
        Ledger = new FilledLedger(Prometheus.BaseUrl, Start, Now.AddMinutes(-1), new SettableTimeProvider(Now));
    }

    public async Task DisposeAsync()
    {
        if (Ledger is not null) await Ledger.DisposeAsync();
        if (Prometheus is not null) await Prometheus.DisposeAsync();
    }

    public static decimal Cost(TruthKey key, long tokens) => StarterPriceCost.Of(key, tokens);

    public static bool Priced(string model) => StarterPriceCost.Priced(model);

    public decimal Spend(Func<TruthKey, bool> where, DateTimeOffset from, DateTimeOffset to) =>
        History.GroundTruth.Where(t => t.Key.Hour >= from && t.Key.Hour < to && where(t.Key)).Sum(t => Cost(t.Key, t.Value));
}

[CollectionDefinition(Name)]
public sealed class DigestCollection : ICollectionFixture<DigestHistoryFixture>
{
    public const string Name = "real Prometheus with nine days of history";
}

/// <summary>
/// Daily digests through a real SMTP server (maildev on loopback) over generated history: the figures against the
/// ground truth, at most once per day under double runs and restarts, 4xx retried until accepted, 5xx recorded and
/// left alone, the catch-up after downtime, and every bad subscription refused with nothing stored. Runs on each
/// database provider (SQLite and a real PostgreSQL).
/// </summary>
public abstract class DigestTests(DigestHistoryFixture fixture, DatabaseProvider database) : IAsyncLifetime
{
    [Collection(DigestCollection.Name)]
    public sealed class OnSqlite(DigestHistoryFixture fixture) : DigestTests(fixture, DatabaseProvider.Sqlite);

    [Collection(DigestCollection.Name)]
    public sealed class OnPostgreSql(DigestHistoryFixture fixture) : DigestTests(fixture, DatabaseProvider.PostgreSql);

    /// <summary>08:01 UTC on the 9th: the 08:00 digest of the 9th is due and reports the 8th, a week after the 1st.</summary>
    private static readonly DateTimeOffset Now = DigestHistoryFixture.Now;
    private static readonly DateOnly Date = new(2026, 11, 9);
    private MailDevServer _mail = null!;

    public async Task InitializeAsync() => _mail = await MailDevServer.StartAsync();

    public async Task DisposeAsync() => await _mail.DisposeAsync();

    private AppFactory App(int smtpPort, IDictionary<string, string?>? extra = null, TimeProvider? time = null, SharedDatabase? shared = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = DigestHistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "72",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Smtp:From"] = "CostConsole <digests@costconsole.test>",
            ["Budgets:PublicUrl"] = "https://costconsole.example.test",
        };
        foreach (var (key, value) in shared?.Settings ?? new Dictionary<string, string?>()) settings[key] = value;
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        return new AppFactory(fixture.Prometheus.BaseUrl, settings, time ?? new SettableTimeProvider(Now), shared is null ? database : DatabaseProvider.Sqlite);
    }

    /// <summary>The shared ledger was ingested at <see cref="Now"/>; an app whose clock is elsewhere ingests its own hours.</summary>
    private async Task FillLedgerAsync(AppFactory app)
    {
        if (app.Services.GetRequiredService<TimeProvider>().GetUtcNow() == Now) await fixture.Ledger.CopyIntoAsync(app);
        else await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(DigestHistoryFixture.End);
    }

    /// <summary>Billable tokens (input, which holds cached, plus output) of models without a price, on a UTC day.</summary>
    private long Unpriced(Func<TruthKey, bool> where, DateTimeOffset day) =>
        fixture.History.GroundTruth.Where(t => where(t.Key) && t.Key.Hour >= day && t.Key.Hour < day.AddDays(1) && !DigestHistoryFixture.Priced(t.Key.Model) && t.Key.TokenType is Family.InputTokens or Family.OutputTokens).Sum(t => t.Value);

    private string TopTeam() => fixture.History.GroundTruth.GroupBy(t => t.Key.Team).MaxBy(g => g.Sum(t => DigestHistoryFixture.Cost(t.Key, t.Value)))!.Key;

    /// <summary>Ingests the history, creates the team with a manager and a budget, and subscribes the manager (08:00 UTC, every day) through the API.</summary>
    private async Task<(int Subscription, string Email, HttpClient Manager, int TeamId)> SubscribedManagerAsync(AppFactory app, string team, string zone = "UTC", decimal? budget = null, bool ingest = true)
    {
        if (ingest) await FillLedgerAsync(app);
        var email = await app.CreateUserAsync(Roles.Manager);
        int teamId;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
            if ((await teams.ListAsync()).All(t => t.Name != team)) Assert.True((await teams.CreateAsync(team)).Succeeded);
            teamId = (await teams.ListAsync()).Single(t => t.Name == team).Id;
            Assert.True((await teams.AddManagerAsync(teamId, email)).Succeeded);
        }

        if (budget is { } usd)
        {
            var admin = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new(System.Security.Claims.ClaimTypes.Role, Roles.Admin), new(System.Security.Claims.ClaimTypes.Name, "admin@example.test")], "test"));
            Assert.True((await app.Services.GetRequiredService<BudgetService>().SetTeamBudgetAsync(admin, teamId, "2026-11", usd.ToString(CultureInfo.InvariantCulture), null, false)).Saved);
        }

        var client = app.Anonymous();
        Assert.Equal(HttpStatusCode.Redirect, (await AppFactory.SignInAsync(client, email, AppFactory.Password)).StatusCode);
        using var created = await client.PostAsJsonAsync("/api/v1/digests", new { scope = teamId.ToString(CultureInfo.InvariantCulture), sendAt = "08:00", timeZone = zone, days = "everyday" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        return (id, email, client, teamId);
    }

    /// <summary>A database that outlives one app instance, for restarts (a file, or a PostgreSQL database); removed with the test.</summary>
    private sealed class SharedDatabase(DatabaseProvider provider) : IDisposable
    {
        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("costconsole-digest-db-");
        private readonly string? _postgres = provider == DatabaseProvider.PostgreSql ? PostgreSqlServer.Shared.CreateDatabase() : null;

        public IReadOnlyDictionary<string, string?> Settings => _postgres is null
            ? new Dictionary<string, string?> { ["ConnectionStrings:CostConsole"] = $"Data Source={System.IO.Path.Combine(_folder.FullName, "costconsole.db")}" }
            : new Dictionary<string, string?> { ["Database:Provider"] = "PostgreSql", ["ConnectionStrings:CostConsole"] = _postgres };

        public void Dispose()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (_postgres is not null) PostgreSqlServer.Shared.DropDatabase(_postgres);
            _folder.Delete(recursive: true);
        }
    }

    private static async Task<List<DigestDelivery>> DeliveriesAsync(AppFactory app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        return await db.DigestDeliveries.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
    }

    private static Task WaitForAsync(Func<Task<bool>> condition, string what, int seconds = 45) =>
        WaitUntil.TrueAsync(condition, TimeSpan.FromSeconds(seconds), what);

    [Fact]
    public async Task The_digest_arrives_with_its_subject_recipient_and_the_ground_truths_figures()
    {
        using var app = App(_mail.SmtpPort);
        var team = TopTeam();
        var day = DigestHistoryFixture.Start.AddDays(7);
        bool OfTeam(TruthKey k) => k.Team == team;
        var monthToDate = fixture.Spend(OfTeam, DigestHistoryFixture.Start, day.AddDays(1));
        var budget = decimal.Round(monthToDate / 0.6m, 2);
        var (id, email, _, _) = await SubscribedManagerAsync(app, team, budget: budget);

        var outcome = await app.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(id, null, "schedule");

        Assert.True(outcome.Sent, outcome.Message);
        var message = Assert.Single(await _mail.MessagesAsync());
        var yesterday = fixture.Spend(OfTeam, day, day.AddDays(1));
        var weekBefore = fixture.Spend(OfTeam, day.AddDays(-7), day.AddDays(-6));
        var change = (yesterday - weekBefore) / weekBefore * 100m;
        Assert.Equal($"[CostConsole] {team}: {SpendFormat.Money(yesterday)} on Sun Nov 8 ({SpendFormat.Percent(change)} vs a week before)", message.Subject);
        Assert.Equal([email], message.To);
        Assert.Contains($"{team} spent {SpendFormat.Money(yesterday)} on Sun, Nov 8 2026 (UTC), {SpendFormat.MoneyChange(yesterday - weekBefore)} ({SpendFormat.Percent(change)}) against {SpendFormat.Money(weekBefore)} on Sun, Nov 1 2026.", message.Text);
        Assert.Contains($"Month to date (November 2026, UTC): {SpendFormat.Money(monthToDate)} of {SpendFormat.Money(budget)} ({(monthToDate / budget * 100m).ToString("0.0", CultureInfo.InvariantCulture)}% used)", message.Text);

        // 60% used: the 50% threshold is reached (not yet recorded by the background check, which is off here), 80% is not.
        Assert.Contains($"  - {team} reached 50% of {SpendFormat.Money(budget)} before 2026-11-09 00:00 UTC (being recorded)", message.Text);
        Assert.DoesNotContain("reached 80%", message.Text);

        // The top three features by spend yesterday, in order, from the ground truth.
        var features = fixture.History.GroundTruth.Where(t => OfTeam(t.Key) && t.Key.Hour >= day && t.Key.Hour < day.AddDays(1))
            .GroupBy(t => t.Key.Feature).Select(g => (Feature: g.Key, Cost: g.Sum(t => DigestHistoryFixture.Cost(t.Key, t.Value))))
            .Where(f => f.Cost > 0).OrderByDescending(f => f.Cost).Take(3).ToList();
        var section = message.Text[message.Text.IndexOf("Top features by spend", StringComparison.Ordinal)..message.Text.IndexOf("Top features by increase", StringComparison.Ordinal)];
        Assert.Equal(features.Select(f => $"  - {f.Feature}: {SpendFormat.Money(f.Cost)}"), section.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.TrimEnd('\r').Replace(" + unpriced tokens", "", StringComparison.Ordinal)));

        // The team's day is all priced models or not; the org-wide digest (Finance) has the unpriced ones for sure.
        var unpricedOfTeam = Unpriced(OfTeam, day);
        Assert.Equal(unpricedOfTeam > 0, message.Text.Contains("Unpriced usage", StringComparison.Ordinal));
        var finance = await app.SignedInAsync(Roles.Finance);
        using (var org = await finance.PostAsJsonAsync("/api/v1/digests", new { scope = "org", sendAt = "08:00", timeZone = "UTC" }))
        {
            Assert.Equal(HttpStatusCode.Created, org.StatusCode);
            var orgId = (await org.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
            Assert.True((await app.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(orgId, null, "schedule")).Sent);
        }

        var orgMessage = (await _mail.MessagesAsync()).Single(m => m.Subject.StartsWith("[CostConsole] All teams (org):", StringComparison.Ordinal));
        var orgUnpriced = Unpriced(_ => true, day);
        Assert.True(orgUnpriced > 0);
        Assert.Contains($"All teams (org) spent {SpendFormat.Money(fixture.Spend(_ => true, day, day.AddDays(1)))} on Sun, Nov 8 2026", orgMessage.Text);
        Assert.Contains($"Unpriced usage: {SpendFormat.Count(orgUnpriced)} tokens", orgMessage.Text);
        Assert.Contains($"https://costconsole.example.test/explore?range=custom&from=2026-11-08&to=2026-11-08&tz=UTC&by=feature&team={team}", message.Text);
        Assert.Contains("<table", message.Html);
        Assert.DoesNotContain("<script", message.Html, StringComparison.OrdinalIgnoreCase);

        // The page's code gives the same figure: the spend API for the same day and team.
        var admin = await app.SignedInAsync(Roles.Finance);
        var api = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/spend?from=2026-11-08T00:00Z&to=2026-11-09T00:00Z&groupBy=team&team={team}");
        Assert.Equal(decimal.Round(yesterday, 6), decimal.Round(api.GetProperty("totals").GetProperty("costUsd").GetDecimal(), 6));
        var delivery = (await DeliveriesAsync(app)).Single(d => d.SubscriptionId == id);
        Assert.Equal((DeliveryStatus.Sent, "2026-11-09", DeliveryKind.Scheduled, 1), (delivery.Status, delivery.LocalDate, delivery.Kind, delivery.Attempts));
    }

    [Fact]
    public async Task A_job_run_twice_and_raced_sends_one_digest()
    {
        using var app = App(_mail.SmtpPort, new Dictionary<string, string?> { ["Digests:Worker"] = "true", ["Digests:PollSeconds"] = "1" });
        var (id, _, _, _) = await SubscribedManagerAsync(app, TopTeam());
        var recurring = app.Services.GetRequiredService<IRecurringJobManager>();
        var storage = app.Services.GetRequiredService<JobStorage>();

        recurring.Trigger($"digest-{id}");
        recurring.Trigger($"digest-{id}");
        var deliveries = app.Services.GetRequiredService<DigestDeliveries>();
        var raced = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => deliveries.RunScheduledAsync(id, null, "schedule")));
        await WaitForAsync(() => Task.FromResult(storage.GetMonitoringApi().SucceededListCount() >= 2), "both Hangfire runs to finish");
        // The mail server stores a message a moment after accepting it: wait for the first before counting.
        await WaitForAsync(async () => (await _mail.MessagesAsync()).Count > 0, "the digest to reach the mail server");

        Assert.Single(await _mail.MessagesAsync());
        var delivery = Assert.Single(await DeliveriesAsync(app));
        Assert.Equal(DeliveryStatus.Sent, delivery.Status);
        Assert.True(raced.Count(r => r.Delivery is not null) <= 1);
    }

    [Theory]
    [InlineData("451 4.3.0 Mailbox busy, try again later", ": 451 ")]
    // A dropped connection reads as "nothing answered" or "dropped the connection", naming the host and port either way.
    [InlineData(null, "127.0.0.1:")]
    public async Task A_server_answering_4xx_or_dropping_the_connection_then_accepting_gets_exactly_one_digest_after_backing_off(string? refusal, string logged)
    {
        await using var relay = new RefusingSmtpRelay(_mail.SmtpPort, refusals: 2, refusal);
        using var app = App(relay.Port, new Dictionary<string, string?> { ["Digests:Worker"] = "true", ["Digests:PollSeconds"] = "1", ["Digests:RetrySeconds"] = "1,2,60" });
        var (id, email, _, _) = await SubscribedManagerAsync(app, TopTeam());

        var first = await app.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(id, null, "schedule");

        Assert.Equal(DeliveryStatus.Retrying, first.Delivery!.Status);
        Assert.Contains(logged.Trim(' ', ':'), first.Delivery.Reply);
        await WaitForAsync(async () => (await DeliveriesAsync(app)).Single().Status == DeliveryStatus.Sent, "the digest to be accepted");
        var delivery = Assert.Single(await DeliveriesAsync(app));
        Assert.Equal(3, delivery.Attempts);
        var attempts = delivery.History.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, attempts.Length);
        Assert.All(attempts[..2], a => Assert.Contains(logged, a));
        Assert.Contains("attempt 3: 250 ", attempts[2]);
        var message = Assert.Single(await _mail.MessagesAsync());
        Assert.Equal([email], message.To);
        Assert.Equal((3, 2), (relay.Connections, relay.Refused));
    }

    [Fact]
    public async Task A_server_answering_5xx_gets_a_recorded_failure_and_no_retry()
    {
        await using var relay = new RefusingSmtpRelay(_mail.SmtpPort, refusals: 100, "550 5.1.1 No such user here");
        using var app = App(relay.Port, new Dictionary<string, string?> { ["Digests:Worker"] = "true", ["Digests:PollSeconds"] = "1", ["Digests:RetrySeconds"] = "1,1,1" });
        var (id, _, manager, _) = await SubscribedManagerAsync(app, TopTeam());

        var outcome = await app.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(id, null, "schedule");

        Assert.Equal(DeliveryStatus.Failed, outcome.Delivery!.Status);
        // A settled state, not a wait: no retry is scheduled, queued or running, so none can come.
        var jobs = app.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        Assert.Equal((0L, 0L, 0L), (jobs.ScheduledCount(), jobs.EnqueuedCount("default"), jobs.ProcessingCount()));
        Assert.Equal((1, 1), (relay.Connections, relay.Refused));
        var log = (await manager.GetFromJsonAsync<JsonElement>($"/api/v1/digests/{id}/deliveries")).EnumerateArray().Single();
        Assert.Equal("Failed", log.GetProperty("status").GetString());
        Assert.StartsWith("550 ", log.GetProperty("reply").GetString());
        Assert.Contains("No such user here", log.GetProperty("reply").GetString());
        Assert.Empty(await _mail.MessagesAsync());
        // Run again for the same day: the record stands, nothing is sent.
        Assert.Null((await app.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(id, null, "schedule")).Delivery);
        Assert.Equal(1, relay.Connections);
    }

    [Fact]
    public async Task A_restart_after_missed_days_sends_exactly_one_catch_up_digest_and_the_jobs_come_back()
    {
        using var shared = new SharedDatabase(database);
        int id;
        // Subscribed on the 5th, before that day's 08:00; then the app is down until 10:00 on the 9th.
        var clock = new SettableTimeProvider(Now.AddDays(-4).AddHours(-3));
        using (var first = App(_mail.SmtpPort, time: clock, shared: shared))
        {
            id = (await SubscribedManagerAsync(first, TopTeam(), zone: "Europe/Berlin")).Subscription;
            // The ledger keeps filling while the app "is down" for digests (the hours are closed by the 9th).
            clock.Now = Now.AddHours(2);
            await first.Services.GetRequiredService<LedgerIngestor>().SyncAsync(DigestHistoryFixture.End);
        }

        var later = new SettableTimeProvider(Now.AddHours(2));
        using (var second = App(_mail.SmtpPort, time: later, shared: shared))
        {
            _ = second.Server;
            await WaitForAsync(async () => (await DeliveriesAsync(second)) is [{ Status: not DeliveryStatus.Sending }], "the catch-up digest");
            var delivery = Assert.Single(await DeliveriesAsync(second));
            Assert.Equal(("2026-11-09", "catch-up after downtime", DeliveryStatus.Sent), (delivery.LocalDate, delivery.Trigger, delivery.Status));
            var job = second.Services.GetRequiredService<DigestScheduler>().Registered()[$"digest-{id}"];
            Assert.Equal(("0 8 * * *", "Europe/Berlin"), (job.Cron, job.TimeZone));
        }

        using (var third = App(_mail.SmtpPort, time: later, shared: shared))
        {
            _ = third.Server;
            // The start-up work (jobs registered, interrupted sends recovered, missed digests caught up) has finished.
            await third.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<DigestStartup>().Single().ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Single(await DeliveriesAsync(third));
            Assert.True(third.Services.GetRequiredService<DigestScheduler>().Registered().ContainsKey($"digest-{id}"));
        }

        var message = Assert.Single(await _mail.MessagesAsync());
        Assert.Contains("on Sun Nov 8", message.Subject);
    }

    [Fact]
    public async Task With_prometheus_down_the_digest_keeps_the_ledgers_figures_and_says_alert_states_are_unknown()
    {
        using var shared = new SharedDatabase(database);
        var team = TopTeam();
        int id;
        using (var up = App(_mail.SmtpPort, shared: shared))
        {
            id = (await SubscribedManagerAsync(up, team)).Subscription;
        }

        using var down = App(_mail.SmtpPort, new Dictionary<string, string?> { ["Prometheus:BaseUrl"] = $"http://127.0.0.1:{PrometheusServer.FreePort()}" }, shared: shared);
        var outcome = await down.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(id, null, "schedule");

        Assert.True(outcome.Sent, outcome.Message);
        var message = Assert.Single(await _mail.MessagesAsync());
        var day = DigestHistoryFixture.Start.AddDays(7);
        Assert.Contains($"{team} spent {SpendFormat.Money(fixture.Spend(k => k.Team == team, day, day.AddDays(1)))} on Sun, Nov 8 2026", message.Text);
        var alerts = message.Text[message.Text.IndexOf("Cost alerts firing", StringComparison.Ordinal)..];
        Assert.Contains("Unknown: Prometheus' rules could not be read", alerts);
        Assert.DoesNotContain("(none)", alerts.Split("\n\n")[0]);
        Assert.Contains("alert states are unknown, not quiet", message.Html);
    }

    [Fact]
    public async Task A_team_without_traffic_gets_a_short_no_spend_digest_and_a_day_before_the_ledger_says_unknown()
    {
        using var app = App(_mail.SmtpPort);
        var (id, _, manager, _) = await SubscribedManagerAsync(app, "quiet-team");

        var outcome = await app.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(id, null, "schedule");

        Assert.True(outcome.Sent, outcome.Message);
        var message = Assert.Single(await _mail.MessagesAsync());
        Assert.Equal("[CostConsole] quiet-team: no spend recorded on Sun Nov 8", message.Subject);
        Assert.Contains("No spend recorded for quiet-team on Sun, Nov 8 2026 (UTC)", message.Text);
        Assert.DoesNotContain("Top features", message.Text);
        var before = await manager.GetStringAsync($"/api/v1/digests/{id}/preview?date=2026-10-20&format=text");
        Assert.StartsWith("[CostConsole] quiet-team: no figures for Mon Oct 19", before);
        Assert.Contains("unknown, not zero", before);
    }

    /// <summary>What "send me a test" answers with these SMTP settings (the digest itself needs no ledger here).</summary>
    private async Task<string> TestReplyAsync(int smtpPort, IDictionary<string, string?>? settings = null)
    {
        using var app = App(smtpPort, settings);
        var (id, _, manager, _) = await SubscribedManagerAsync(app, TopTeam(), ingest: false);
        using var response = await manager.PostAsync($"/api/v1/digests/{id}/test", null);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task A_test_goes_to_whoever_asks_and_wrong_smtp_settings_say_which()
    {
        using var app = App(_mail.SmtpPort);
        var (id, email, manager, _) = await SubscribedManagerAsync(app, TopTeam());

        using var test = await manager.PostAsync($"/api/v1/digests/{id}/test?date=2026-11-09", null);
        Assert.Equal(HttpStatusCode.OK, test.StatusCode);
        var message = Assert.Single(await _mail.MessagesAsync());
        Assert.StartsWith("[Test] [CostConsole] ", message.Subject);
        Assert.Equal([email], message.To);

        var closed = PrometheusServer.FreePort();
        Assert.Contains($"Nothing answered at Smtp:Host/Smtp:Port 127.0.0.1:{closed}", await TestReplyAsync(closed));
        Assert.Contains("Smtp:Security is StartTls but", await TestReplyAsync(_mail.SmtpPort, new Dictionary<string, string?> { ["Smtp:Security"] = "StartTls" }));
        Assert.Contains("Smtp:Username is set but", await TestReplyAsync(_mail.SmtpPort, new Dictionary<string, string?> { ["Smtp:Username"] = "digests", ["Smtp:Password"] = "not-a-secret" }));
        Assert.Single(await _mail.MessagesAsync());
    }

    public static TheoryData<string, string> BadSubscriptions => new()
    {
        { """{"scope":"TEAM","sendAt":"08:00","timeZone":"Mars/Olympus_Mons","days":"everyday"}""", "'Mars/Olympus_Mons' is not a known time zone" },
        { """{"scope":"TEAM","sendAt":"25:00","timeZone":"UTC"}""", "'25:00' is not a time of day between 00:00 and 23:59" },
        { """{"scope":"TEAM","sendAt":"8am","timeZone":"UTC"}""", "'8am' is not a time of day" },
        { """{"scope":"TEAM","sendAt":"","timeZone":"UTC"}""", "Choose a delivery time" },
        { """{"scope":"TEAM","sendAt":"08:00","timeZone":"UTC","days":"sometimes"}""", "Days 'sometimes' is not 'everyday' or 'weekdays'." },
        { """{"scope":"OTHER","sendAt":"08:00","timeZone":"UTC"}""", "You do not manage team OTHER" },
        { """{"scope":"org","sendAt":"08:00","timeZone":"UTC"}""", "Only Finance and Admins can receive the org-wide digest" },
        { """{"scope":"x\u0000<script>","sendAt":"08:00","timeZone":"UTC"}""", "'x?<script>' is not a team id or 'org'." },
        { """{"scope":"TEAM","sendAt":"08:00","timeZone":"Europe\u0000Berlin"}""", "is not a known time zone" },
        { """[1,2]""", "The body must be a JSON object." },
    };

    [Theory]
    [MemberData(nameof(BadSubscriptions))]
    public async Task Bad_subscriptions_are_refused_with_their_message_and_nothing_is_stored(string body, string message)
    {
        using var app = App(_mail.SmtpPort);
        var (id, _, manager, teamId) = await SubscribedManagerAsync(app, TopTeam(), ingest: false);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<TeamAdministration>().CreateAsync("other-team")).Succeeded);
        }

        var other = (await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContext().Teams.SingleAsync(t => t.Name == "other-team")).Id;
        var json = body.Replace("TEAM", $"{teamId + 0}", StringComparison.Ordinal).Replace("OTHER", $"{other}", StringComparison.Ordinal);
        // The manager's own team is taken already: a fresh team of theirs would be the only valid scope, so TEAM errors are the fields'.
        using var response = await manager.PostAsync("/api/v1/digests", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message.Replace("OTHER", $"{other}", StringComparison.Ordinal), (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
        var stored = Assert.Single(await db.DigestSubscriptions.ToListAsync());
        Assert.Equal((id, new TimeOnly(8, 0), "UTC"), (stored.Id, stored.SendAt, stored.TimeZone));
        Assert.Equal([$"digest-{id}"], app.Services.GetRequiredService<DigestScheduler>().Registered().Keys);
    }

    [Fact]
    public async Task Subscriptions_are_their_owners_and_admins_and_changes_reschedule_the_job()
    {
        using var app = App(_mail.SmtpPort);
        var (id, email, manager, teamId) = await SubscribedManagerAsync(app, TopTeam(), ingest: false);
        var otherManager = await app.SignedInAsync(Roles.Manager);
        var admin = await app.SignedInAsync(Roles.Admin);
        var finance = await app.SignedInAsync(Roles.Finance);

        Assert.Equal(HttpStatusCode.NotFound, (await otherManager.GetAsync($"/api/v1/digests/{id}/preview")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherManager.PutAsJsonAsync($"/api/v1/digests/{id}", new { sendAt = "09:00", timeZone = "UTC" })).StatusCode);
        Assert.Empty((await otherManager.GetFromJsonAsync<JsonElement>("/api/v1/digests")).EnumerateArray());
        Assert.Single((await admin.GetFromJsonAsync<JsonElement>("/api/v1/digests")).EnumerateArray());
        using (var duplicate = await manager.PostAsJsonAsync("/api/v1/digests", new { scope = (await manager.GetFromJsonAsync<JsonElement>("/api/v1/digests"))[0].GetProperty("scope").GetString(), sendAt = "07:00", timeZone = "UTC" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
            Assert.Contains("There is already a digest of", await duplicate.Content.ReadAsStringAsync());
        }

        using (var org = await finance.PostAsJsonAsync("/api/v1/digests", new { scope = "org", sendAt = "07:30", timeZone = "America/New_York", days = "weekdays" }))
        {
            Assert.Equal(HttpStatusCode.Created, org.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/digests/{id}", new { sendAt = "18:45", timeZone = "Asia/Tokyo", days = "weekdays" })).StatusCode);
        var jobs = app.Services.GetRequiredService<DigestScheduler>().Registered();
        Assert.Equal(("45 18 * * 1-5", "Asia/Tokyo"), (jobs[$"digest-{id}"].Cron, jobs[$"digest-{id}"].TimeZone));
        Assert.Equal(2, jobs.Count);
        // A manager taken off the team no longer receives its digest: recorded as failed, nothing mailed.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<TeamAdministration>().RemoveManagerAsync(teamId, email)).Succeeded);
        }

        var refused = await app.Services.GetRequiredService<DigestDeliveries>().RunScheduledAsync(id, Date, "schedule");
        Assert.Equal(DeliveryStatus.Failed, refused.Delivery!.Status);
        Assert.Equal($"{email} no longer manages this team: its digest is not sent.", refused.Delivery.Reply);
        Assert.Empty(await _mail.MessagesAsync());
        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<TeamAdministration>().AddManagerAsync(teamId, email)).Succeeded);
        }

        Assert.Equal(HttpStatusCode.OK, (await manager.PutAsJsonAsync($"/api/v1/digests/{id}", new { sendAt = "18:45", timeZone = "Asia/Tokyo", paused = true })).StatusCode);
        Assert.False(app.Services.GetRequiredService<DigestScheduler>().Registered().ContainsKey($"digest-{id}"));
        Assert.Equal(HttpStatusCode.OK, (await manager.DeleteAsync($"/api/v1/digests/{id}")).StatusCode);
        Assert.Single((await admin.GetFromJsonAsync<JsonElement>("/api/v1/digests")).EnumerateArray());
        using var badDate = await finance.GetAsync($"/api/v1/digests/{(await finance.GetFromJsonAsync<JsonElement>("/api/v1/digests"))[0].GetProperty("id").GetInt32()}/preview?date=2026-13-01");
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("'2026-13-01' is not a date such as", await badDate.Content.ReadAsStringAsync());
        foreach (var outOfRange in new[] { "2014-12-31", "2026-11-11" })
        {
            using var far = await finance.GetAsync($"/api/v1/digests/{(await finance.GetFromJsonAsync<JsonElement>("/api/v1/digests"))[0].GetProperty("id").GetInt32()}/preview?date={outOfRange}");
            Assert.Equal(HttpStatusCode.BadRequest, far.StatusCode);
            Assert.Contains($"{outOfRange} is out of range: a digest can be shown for dates from 2015 to tomorrow (2026-11-10)", await far.Content.ReadAsStringAsync());
        }
    }
}
