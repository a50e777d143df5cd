using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostConsole.Features.Budgets;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Teams;
using CostConsole.Data;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Budgets over the generated history: who may set them, what bad input does (nothing), and a runaway spike that
/// drives a team to "at risk" and then "over", its threshold crossings recorded once at the hour the ground truth says.
/// Runs on each database provider (SQLite and a real PostgreSQL).
/// </summary>
public abstract class BudgetTests(HistoryFixture fixture, DatabaseProvider database) : IAsyncLifetime
{
    [Collection(PrometheusCollection.Name)]
    public sealed class OnSqlite(HistoryFixture fixture) : BudgetTests(fixture, DatabaseProvider.Sqlite);

    [Collection(PrometheusCollection.Name)]
    public sealed class OnPostgreSql(HistoryFixture fixture) : BudgetTests(fixture, DatabaseProvider.PostgreSql);

    /// <summary>On the hour, so every window is closed hours of the ledger (no live part read from Prometheus).</summary>
    private readonly SettableTimeProvider _clock = new(HistoryFixture.Start.AddHours(31));
    private AppFactory _app = null!;
    private Dictionary<string, int> _teams = [];

    public async Task InitializeAsync()
    {
        _app = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "24",
            ["Budgets:ConfirmAboveUsd"] = "50000",
        }, time: _clock, database: database);
        await _app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End);
        await using var scope = _app.Services.CreateAsyncScope();
        var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
        foreach (var name in fixture.History.GroundTruth.Keys.Select(k => k.Team).Distinct())
        {
            Assert.True((await teams.CreateAsync(name)).Succeeded);
        }

        _teams = (await teams.ListAsync()).ToDictionary(t => t.Name, t => t.Id);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A team's cost per hour from the ground truth at the starter prices (gpt-4o 2.50 / 1.25 cached / 10.00, gpt-4o-mini 0.15 / 0.60; others unpriced).</summary>
    private SortedDictionary<DateTimeOffset, decimal> HourlyCost(string team)
    {
        var cost = new SortedDictionary<DateTimeOffset, decimal>();
        foreach (var (key, tokens) in fixture.History.GroundTruth.Where(t => t.Key.Team == team))
        {
            cost[key.Hour] = cost.GetValueOrDefault(key.Hour) + StarterPriceCost.Of(key, tokens);
        }

        return cost;
    }

    private async Task<HttpClient> ManagerOfAsync(string team)
    {
        var email = await _app.CreateUserAsync(Roles.Manager);
        await using var scope = _app.Services.CreateAsyncScope();
        Assert.True((await scope.ServiceProvider.GetRequiredService<TeamAdministration>().AddManagerAsync(_teams[team], email)).Succeeded);
        var client = _app.Anonymous();
        Assert.Equal(HttpStatusCode.Redirect, (await AppFactory.SignInAsync(client, email, AppFactory.Password)).StatusCode);
        return client;
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string url, object body) => client.PutAsJsonAsync(url, body);

    [Fact]
    public async Task A_runaway_spike_drives_a_team_to_at_risk_then_over_and_each_threshold_is_recorded_once_at_its_hour()
    {
        // The team that spends most, judged first mid-history (after the spike day's first hours) and again at its end.
        var team = _teams.Keys.MaxBy(t => HourlyCost(t).Values.Sum())!;
        var hourly = HourlyCost(team);
        var first = _clock.Now;
        decimal MonthToDate(DateTimeOffset now) => hourly.Where(h => h.Key < now).Sum(h => h.Value);
        var budget = decimal.Round((MonthToDate(first) + MonthToDate(HistoryFixture.End)) / 2m, 2);
        var manager = await ManagerOfAsync(team);
        using (var set = await PutAsync(manager, $"/api/v1/budgets/teams/{_teams[team]}", new { fromMonth = "2026-11", monthlyUsd = budget.ToString(CultureInfo.InvariantCulture), thresholds = "50, 80, 100" }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        var outlooks = _app.Services.GetRequiredService<BudgetOutlooks>();
        var early = (await outlooks.ComputeAsync()).Single(o => o.Name == team);

        Assert.Equal(decimal.Round(MonthToDate(first), 6), decimal.Round(early.Outlook.MonthToDateUsd, 6));
        var last24 = hourly.Where(h => h.Key >= first.AddHours(-24) && h.Key < first).Sum(h => h.Value);
        Assert.Equal(decimal.Round(last24 / 24m, 8), decimal.Round(early.Outlook.RatePerHour24h, 8));
        Assert.Equal(BudgetStatus.AtRisk, early.Outlook.Status);
        Assert.NotNull(early.Outlook.RunsOutAt);

        _clock.Now = HistoryFixture.End;
        await _app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End);
        var late = (await outlooks.ComputeAsync()).Single(o => o.Name == team);
        Assert.Equal(decimal.Round(MonthToDate(HistoryFixture.End), 6), decimal.Round(late.Outlook.MonthToDateUsd, 6));
        // Reading (the page, the API) records nothing; the watcher's round does.
        Assert.Empty((await outlooks.CrossingsAsync(202611)).Where(c => c.Team == team));
        using (var read = await ManagerOfAsync(team))
        {
            Assert.Equal(HttpStatusCode.OK, (await read.GetAsync("/api/v1/budgets")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await read.GetAsync("/budgets")).StatusCode);
        }

        Assert.Empty((await outlooks.CrossingsAsync(202611)).Where(c => c.Team == team));
        await outlooks.RecordCrossingsAsync();

        Assert.Equal(BudgetStatus.Over, late.Outlook.Status);
        var crossings = (await outlooks.CrossingsAsync(202611)).Where(c => c.Team == team).Select(c => c.Crossing).ToList();
        Assert.Equal([50, 80, 100], crossings.Select(c => c.Threshold));
        foreach (var crossing in crossings)
        {
            var running = 0m;
            var hour = hourly.First(h => (running += h.Value) >= budget * crossing.Threshold / 100m).Key;
            Assert.Equal(hour.AddHours(1), crossing.CrossedUtc);
        }
    }

    [Fact]
    public async Task Each_crossing_is_mailed_to_the_teams_managers_once_through_a_real_smtp_server()
    {
        await using var smtp = await MailDevServer.StartAsync();
        using var app = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "24",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtp.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
        }, time: new SettableTimeProvider(HistoryFixture.End), database: database);
        await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(HistoryFixture.End);
        var team = _teams.Keys.MaxBy(t => HourlyCost(t).Values.Sum())!;
        var spent = HourlyCost(team).Values.Sum();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var teams = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
            Assert.True((await teams.CreateAsync(team)).Succeeded);
            var id = (await teams.ListAsync()).Single(t => t.Name == team).Id;
            foreach (var manager in new[] { "lead@example.test", "deputy@example.test" })
            {
                await app.CreateUserAsync(Roles.Manager, manager);
                Assert.True((await teams.AddManagerAsync(id, manager)).Succeeded);
            }

            // Spend so far is 90% of the budget: the 50% and 80% thresholds are reached, 100% is not.
            var admin = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new(System.Security.Claims.ClaimTypes.Role, Roles.Admin), new(System.Security.Claims.ClaimTypes.Name, "admin@example.test")], "test"));
            var budget = decimal.Round(spent / 0.9m, 2).ToString(CultureInfo.InvariantCulture);
            Assert.True((await app.Services.GetRequiredService<BudgetService>().SetTeamBudgetAsync(admin, id, "2026-11", budget, null, false)).Saved);
        }

        await app.Services.GetRequiredService<BudgetOutlooks>().RecordCrossingsAsync();
        var notifier = app.Services.GetRequiredService<ThresholdNotifier>();
        Assert.Equal(2, await notifier.NotifyPendingAsync("https://costconsole.example.test"));
        Assert.Equal(0, await notifier.NotifyPendingAsync("https://costconsole.example.test"));

        var messages = await smtp.MessagesAsync();
        Assert.Equal([$"[CostConsole] {team} reached 50% of its November 2026 budget", $"[CostConsole] {team} reached 80% of its November 2026 budget"], messages.Select(m => m.Subject).Order());
        Assert.All(messages, m => Assert.Equal(["deputy@example.test", "lead@example.test"], m.To.Order()));
        Assert.All(messages, m => Assert.Contains($"https://costconsole.example.test/budgets?team={team}", m.Text));
        Assert.All(await app.Services.GetRequiredService<BudgetOutlooks>().CrossingsAsync(202611), c => Assert.NotNull(c.Crossing.NotifiedUtc));
    }

    [Fact]
    public async Task A_manager_sets_their_own_teams_budget_but_not_another_teams()
    {
        var (mine, other) = (_teams.Keys.First(), _teams.Keys.Last());
        var manager = await ManagerOfAsync(mine);

        using var own = await PutAsync(manager, $"/api/v1/budgets/teams/{_teams[mine]}", new { fromMonth = "2026-12", monthlyUsd = "1200" });
        using var foreign = await PutAsync(manager, $"/api/v1/budgets/teams/{_teams[other]}", new { fromMonth = "2026-12", monthlyUsd = "1" });

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Contains($"Only the managers of {other} or an admin", await foreign.Content.ReadAsStringAsync());
        var stored = Assert.Single(await _app.Services.GetRequiredService<BudgetService>().ListAsync());
        Assert.Equal((_teams[mine], 202612, 1200m, "50,80,100"), (stored.TeamId!.Value, stored.FromMonth, stored.MonthlyUsd!.Value, stored.Thresholds));
        // A manager sees only their teams' outlooks.
        var visible = await manager.GetFromJsonAsync<JsonElement>("/api/v1/budgets");
        Assert.Equal([mine], visible.EnumerateArray().Select(o => o.GetProperty("name").GetString()));
    }

    public static TheoryData<string, string, HttpStatusCode> BadBudgets => new()
    {
        { """{"fromMonth":"2026-11","monthlyUsd":"-5"}""", "The monthly budget must be more than $0 (was -5).", HttpStatusCode.BadRequest },
        { """{"fromMonth":"2026-11","monthlyUsd":0}""", "The monthly budget must be more than $0 (was 0).", HttpStatusCode.BadRequest },
        { """{"fromMonth":"2026-11","monthlyUsd":"lots"}""", "The monthly budget 'lots' is not a number.", HttpStatusCode.BadRequest },
        { """{"fromMonth":"2026-11","monthlyUsd":"1e30"}""", "The monthly budget '1e30' is not a number.", HttpStatusCode.BadRequest },
        { """{"fromMonth":"2026-10","monthlyUsd":"100"}""", "2026-10 is in the past: a budget applies from this month (2026-11) on", HttpStatusCode.BadRequest },
        { """{"fromMonth":"November","monthlyUsd":"100"}""", "The month 'November' is not a month like 2026-12.", HttpStatusCode.BadRequest },
        { """{"fromMonth":"2026-11","monthlyUsd":"100","thresholds":"50,abc"}""", "The threshold 'abc' is not a whole percentage from 1 to 1000.", HttpStatusCode.BadRequest },
        { """{"fromMonth":"2026-11","monthlyUsd":"100","thresholds":"50,50"}""", "Give one to ten different thresholds", HttpStatusCode.BadRequest },
        { """{"fromMonth":"2026-11","monthlyUsd":"75000"}""", "Send again with \"confirm\": true", HttpStatusCode.UnprocessableEntity },
    };

    [Theory]
    [MemberData(nameof(BadBudgets))]
    public async Task Bad_budgets_are_refused_with_their_message_and_nothing_is_stored(string body, string message, HttpStatusCode status)
    {
        var admin = await _app.SignedInAsync(Roles.Admin);

        using var response = await admin.PutAsync($"/api/v1/budgets/teams/{_teams.Values.First()}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(message, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Empty(await _app.Services.GetRequiredService<BudgetService>().ListAsync());
        Assert.Empty(await _app.Services.GetRequiredService<BudgetService>().AuditAsync());
    }

    [Fact]
    public async Task A_budget_changed_for_the_same_month_is_audited_with_before_and_after_and_org_budgets_are_finances()
    {
        var finance = await _app.SignedInAsync(Roles.Finance);
        var admin = await _app.SignedInAsync(Roles.Admin);
        var team = _teams.Keys.First();

        Assert.Equal(HttpStatusCode.OK, (await PutAsync(admin, $"/api/v1/budgets/teams/{_teams[team]}", new { fromMonth = "2026-11", monthlyUsd = "1000" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(admin, $"/api/v1/budgets/teams/{_teams[team]}", new { fromMonth = "2026-11", monthlyUsd = "1500", thresholds = "90" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(finance, "/api/v1/budgets/org", new { fromMonth = "2026-12", monthlyUsd = "20000", dailyUsd = "800" })).StatusCode);
        using var inverted = await PutAsync(finance, "/api/v1/budgets/org", new { fromMonth = "2026-12", monthlyUsd = "100", dailyUsd = "800" });
        Assert.Equal(HttpStatusCode.BadRequest, inverted.StatusCode);

        var audit = await finance.GetFromJsonAsync<JsonElement>("/api/v1/budgets/audit");
        var rows = audit.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(("org", "", "from 2026-12: $20,000.00 a month; $800.00 a day"), (rows[0].GetProperty("scope").GetString(), rows[0].GetProperty("before").GetString(), rows[0].GetProperty("after").GetString()));
        Assert.Equal("from 2026-11: $1,000.00 a month; warnings at 50%, 80%, 100%", rows[1].GetProperty("before").GetString());
        Assert.Equal("from 2026-11: $1,500.00 a month; warnings at 90%", rows[1].GetProperty("after").GetString());
        Assert.Equal(2, (await _app.Services.GetRequiredService<BudgetService>().ListAsync()).Count);

        var csv = await finance.GetStringAsync("/api/v1/budgets/export");
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.StartsWith("team,month,budget_usd,month_to_date_usd", lines[0]);
        Assert.Equal(_teams.Count + 1, lines.Length - 1);
        Assert.True(lines.Any(l => l.StartsWith($"{team},2026-11,1500.00,", StringComparison.Ordinal)), csv);
    }
}
