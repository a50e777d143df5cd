using System.Globalization;
using System.Net;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Data;
using CostConsole.Tests.Shared;
using CostConsole.Workload;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The spend API over HTTP: its JSON and CSV against the ground truth, and every bad input refused with a reason.
/// Runs on each database provider (SQLite and a real PostgreSQL).
/// </summary>
public abstract class SpendApiTests(HistoryFixture fixture, DatabaseProvider database) : IAsyncLifetime
{
    [Collection(PrometheusCollection.Name)]
    public sealed class OnSqlite(HistoryFixture fixture) : SpendApiTests(fixture, DatabaseProvider.Sqlite);

    [Collection(PrometheusCollection.Name)]
    public sealed class OnPostgreSql(HistoryFixture fixture) : SpendApiTests(fixture, DatabaseProvider.PostgreSql);

    private AppFactory _app = null!;
    private HttpClient _client = null!;

    private static string Hour(DateTimeOffset time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static readonly string Window = $"from={Hour(HistoryFixture.Start)}&to={Hour(HistoryFixture.End)}";

    public async Task InitializeAsync()
    {
        _app = new AppFactory(fixture.Prometheus.BaseUrl, new Dictionary<string, string?>
        {
            ["Ledger:BackfillFrom"] = HistoryFixture.Start.ToString("O", CultureInfo.InvariantCulture),
            ["Ledger:ChunkHours"] = "24",
            ["Ledger:MaxQueryDays"] = "31",
        }, database: database);
        await fixture.Ledger.CopyIntoAsync(_app);
        _client = await _app.SignedInAsync(Roles.Finance);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Json_rows_by_team_and_day_carry_the_ground_truth_tokens()
    {
        var json = JsonDocument.Parse(await _client.GetStringAsync($"/api/v1/spend?{Window}&groupBy=team,day")).RootElement;

        Assert.Equal("USD", json.GetProperty("currency").GetString());
        Assert.Equal(HistoryFixture.End, json.GetProperty("ledgerThrough").GetDateTimeOffset());
        var truth = fixture.History.GroundTruth;
        foreach (var row in json.GetProperty("rows").EnumerateArray())
        {
            var team = row.GetProperty("team").GetString();
            var day = DateTimeOffset.Parse(row.GetProperty("day").GetString()! + "T00:00:00Z", CultureInfo.InvariantCulture);
            long Expected(Family f) => truth.Where(t => t.Key.Team == team && t.Key.Hour >= day && t.Key.Hour < day.AddDays(1) && t.Key.TokenType == f).Sum(t => t.Value);
            Assert.Equal(Expected(Family.InputTokens), row.GetProperty("inputTokens").GetInt64());
            Assert.Equal(Expected(Family.OutputTokens), row.GetProperty("outputTokens").GetInt64());
            Assert.Equal(Expected(Family.CachedInputTokens), row.GetProperty("cachedInputTokens").GetInt64());
        }

        Assert.Equal(truth.Where(t => t.Key.TokenType == Family.InputTokens).Sum(t => t.Value), json.GetProperty("totals").GetProperty("inputTokens").GetInt64());
        Assert.Equal(6 * 3, json.GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public async Task Daily_sums_and_hourly_rows_give_the_same_cost_and_tokens()
    {
        var byDay = JsonDocument.Parse(await _client.GetStringAsync($"/api/v1/spend?{Window}&groupBy=day")).RootElement.GetProperty("totals");
        var byHour = JsonDocument.Parse(await _client.GetStringAsync($"/api/v1/spend?{Window}&groupBy=hour")).RootElement.GetProperty("totals");

        Assert.Equal(byHour.GetProperty("inputTokens").GetInt64(), byDay.GetProperty("inputTokens").GetInt64());
        Assert.Equal(byHour.GetProperty("outputTokens").GetInt64(), byDay.GetProperty("outputTokens").GetInt64());
        Assert.Equal(byHour.GetProperty("costUsd").GetDecimal(), byDay.GetProperty("costUsd").GetDecimal());
        Assert.Equal(byHour.GetProperty("unpricedTokens").GetInt64(), byDay.GetProperty("unpricedTokens").GetInt64());
    }

    [Fact]
    public async Task Filters_narrow_the_rows_and_csv_has_the_same_figures()
    {
        var feature = fixture.History.Catalog.Features[0].Name;
        var query = $"/api/v1/spend?{Window}&groupBy=model&feature={Uri.EscapeDataString(feature)}";

        var json = JsonDocument.Parse(await _client.GetStringAsync(query)).RootElement;
        var csv = (await _client.GetStringAsync(query + "&format=csv")).Trim().Split('\n');

        var expectedInput = fixture.History.GroundTruth.Where(t => t.Key.Feature == feature && t.Key.TokenType == Family.InputTokens).Sum(t => t.Value);
        Assert.Equal(expectedInput, json.GetProperty("totals").GetProperty("inputTokens").GetInt64());
        Assert.Equal("model,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,cost_usd,unpriced_tokens,requests,cached_savings_usd,cache_write_1h_tokens,reasoning_tokens", csv[0]);
        Assert.Equal(json.GetProperty("rows").GetArrayLength(), csv.Length - 1);
        Assert.Equal(expectedInput, csv.Skip(1).Sum(line => long.Parse(line.Split(',')[1], CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("to=2026-11-19T00:00:00Z", "'from' is required")]
    [InlineData("from=banana&to=2026-11-19T00:00:00Z", "'from' ('banana') is not an ISO 8601 time")]
    [InlineData("from=2026-11-18T00:30:00Z&to=2026-11-19T00:00:00Z", "is not on the hour")]
    [InlineData("from=2026-11-19T00:00:00Z&to=2026-11-18T00:00:00Z", "must be after 'from'")]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-11-19T00:00:00Z", "at most 31 days")]
    [InlineData("from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z&groupBy=feature,colour", "Unknown groupBy key(s): 'colour'")]
    [InlineData("from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z&groupBy=model,model", "repeated")]
    [InlineData("from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z&format=xml", "format must be json or csv")]
    [InlineData("from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z&feature=a%0Ab", "control characters")]
    [InlineData("from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z&limit=0", "limit must be a whole number from 1 to 10000 (was '0')")]
    [InlineData("from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z&limit=ten", "limit must be a whole number from 1 to 10000 (was 'ten')")]
    [InlineData("from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z&cursor=MTAu", "cursor goes with limit")]
    [InlineData("from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z&limit=5&cursor=not-ours", "cursor is not a nextCursor this API gave")]
    public async Task Bad_queries_get_a_400_problem_that_says_what_is_wrong(string query, string message)
    {
        using var response = await _client.GetAsync($"/api/v1/spend?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(message, problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("x\"} or vector(1) #")]
    [InlineData("'; DROP TABLE LedgerTokens; --")]
    [InlineData("=HYPERLINK(\"http://evil\")")]
    public async Task Hostile_filter_values_match_nothing_and_break_nothing(string value)
    {
        var json = JsonDocument.Parse(await _client.GetStringAsync($"/api/v1/spend?{Window}&groupBy=feature&feature={Uri.EscapeDataString(value)}")).RootElement;

        Assert.Equal(0, json.GetProperty("rows").GetArrayLength());
        Assert.Equal(0, json.GetProperty("totals").GetProperty("inputTokens").GetInt64());
        var all = JsonDocument.Parse(await _client.GetStringAsync($"/api/v1/spend?{Window}")).RootElement;
        Assert.True(all.GetProperty("totals").GetProperty("inputTokens").GetInt64() > 0);
    }

    [Fact]
    public async Task Without_sign_in_the_api_answers_401_not_a_login_page()
    {
        using var response = await _app.Anonymous().GetAsync($"/api/v1/spend?{Window}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_paged_walk_gives_every_row_once_in_order_and_sums_to_the_totals_of_every_page()
    {
        var query = $"/api/v1/spend?{Window}&groupBy=hour,feature";
        var whole = JsonDocument.Parse(await _client.GetStringAsync(query)).RootElement;
        var all = whole.GetProperty("rows").EnumerateArray().Select(r => r.GetRawText()).ToList();
        Assert.True(all.Count > 50, $"the view has many rows ({all.Count})");
        Assert.Equal(all.Count, whole.GetProperty("totalRows").GetInt32());

        List<string> walked = [];
        long input = 0;
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = JsonDocument.Parse(await _client.GetStringAsync($"{query}&limit=17" + (cursor is null ? "" : "&cursor=" + cursor))).RootElement;
            pages++;
            Assert.True(page.GetProperty("rows").GetArrayLength() <= 17);
            Assert.Equal(whole.GetProperty("totals").GetRawText(), page.GetProperty("totals").GetRawText());
            Assert.Equal(all.Count, page.GetProperty("totalRows").GetInt32());
            foreach (var row in page.GetProperty("rows").EnumerateArray())
            {
                walked.Add(row.GetRawText());
                input += row.GetProperty("inputTokens").GetInt64();
            }

            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal((all.Count + 16) / 17, pages);
        Assert.Equal(all, walked);
        Assert.Equal(whole.GetProperty("totals").GetProperty("inputTokens").GetInt64(), input);

        // A cursor from one view does not walk another: the figures differ, so the walk is refused, not mixed.
        var first = JsonDocument.Parse(await _client.GetStringAsync($"{query}&limit=17")).RootElement.GetProperty("nextCursor").GetString();
        var feature = fixture.History.Catalog.Features[0].Name;
        using var other = await _client.GetAsync($"{query}&limit=17&feature={Uri.EscapeDataString(feature)}&cursor={first}");
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Contains("start the walk again without a cursor", await other.Content.ReadAsStringAsync());

        // CSV pages the same way: a header and 17 rows, streamed.
        var csv = await _client.GetStringAsync($"{query}&limit=17&format=csv");
        Assert.Equal(18, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
