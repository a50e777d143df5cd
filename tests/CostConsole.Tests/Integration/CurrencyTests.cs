using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Money in another currency, against a real ledger: ECB reference rates imported (units per EUR, turned into units
/// per USD), a rate change mid-window, and each UTC day's cost converted at that day's rate, in the API and both exports;
/// a day with no rate is named and its cost left out of the converted figure (never shown as if converted); bad rates,
/// files and codes are refused with nothing stored.
/// </summary>
public sealed class CurrencyTests
{
    // 2026-11-14 22:00 to 2026-11-17 02:00: parts of four UTC days.
    private static readonly DateTimeOffset Start = new(2026, 11, 14, 22, 0, 0, TimeSpan.Zero);
    private const int Hours = 52;

    /// <summary>The ECB file's shape (newest first, N/A where a currency had no rate, a trailing empty column): USD and GBP per 1 EUR.</summary>
    private const string Ecb = "Date,USD,JPY,GBP,\n2026-11-16,1.0500,N/A,0.8600,\n2026-11-13,1.1000,163.20,0.8800,\n";

    /// <summary>EUR per USD in force on a day: 1 / USD-per-EUR of the latest ECB day on or before it.</summary>
    private static decimal EurPerUsd(string day) => string.CompareOrdinal(day, "2026-11-16") >= 0 ? decimal.Round(1m / 1.05m, 10) : decimal.Round(1m / 1.10m, 10);

    [Fact]
    public async Task Each_days_cost_is_converted_at_its_rate_and_a_day_without_one_says_so()
    {
        var labels = "job=\"app\",instance=\"pod-0\",gen_ai_request_model=\"gpt-4o-mini\",feature=\"chat\",team=\"research\"";
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: CounterFixture.Write(Start, Hours,
            [("gen_ai_client_token_usage_input", labels, 100_000), ("gen_ai_client_token_usage_output", labels, 20_000)]));
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?> { ["Ledger:BackfillFrom"] = Start.ToString("O", CultureInfo.InvariantCulture) },
            new ShiftedTimeProvider(Start.AddHours(Hours + 1)));
        Assert.Equal(Hours, await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(Start.AddHours(Hours)));
        var finance = await app.SignedInAsync(Roles.Finance);

        using (var preview = await finance.PostAsync("/api/v1/rates/import", new StringContent(Ecb, Encoding.UTF8, "text/csv")))
        {
            var body = await preview.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(preview.StatusCode == HttpStatusCode.OK, body.ToString());
            Assert.Equal(["EUR", "GBP", "JPY"], body.GetProperty("currencies").EnumerateArray().Select(c => c.GetString()));
        }

        Assert.Empty((await finance.GetFromJsonAsync<JsonElement>("/api/v1/rates")).EnumerateArray());
        using (var imported = await finance.PostAsync("/api/v1/rates/import?dryRun=false", new StringContent(Ecb, Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }

        var window = $"from={Start:yyyy-MM-ddTHH:mm:ssZ}&to={Start.AddHours(Hours):yyyy-MM-ddTHH:mm:ssZ}";
        var eur = await finance.GetFromJsonAsync<JsonElement>($"/api/v1/spend?{window}&groupBy=day&currency=EUR");
        var days = eur.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["2026-11-14", "2026-11-15", "2026-11-16", "2026-11-17"], days.Select(d => d.GetProperty("day").GetString()).Order(StringComparer.Ordinal));
        foreach (var day in days)
        {
            var usd = day.GetProperty("costUsd").GetDecimal();
            Assert.True(usd > 0);
            Assert.Equal(decimal.Round(usd * EurPerUsd(day.GetProperty("day").GetString()!), 6), day.GetProperty("cost").GetDecimal());
            Assert.Equal(0m, day.GetProperty("unconvertedUsd").GetDecimal());
        }

        Assert.Equal("EUR", eur.GetProperty("displayCurrency").GetString());
        Assert.Equal(["2026-11-13", "2026-11-16"], eur.GetProperty("ratesUsed").EnumerateArray().Select(r => r.GetProperty("day").GetString()));
        Assert.Equal(decimal.Round(days.Sum(d => d.GetProperty("costUsd").GetDecimal() * EurPerUsd(d.GetProperty("day").GetString()!)), 6),
            decimal.Round(eur.GetProperty("totals").GetProperty("cost").GetDecimal(), 6));

        // CHF has a rate only from the 16th: the 14th and 15th are named, and their cost stays out of the CHF figure.
        using (var chf = await finance.PostAsJsonAsync("/api/v1/rates", new { currency = "chf", day = "2026-11-16", unitsPerUsd = "0.88" }))
        {
            Assert.Equal(HttpStatusCode.Created, chf.StatusCode);
        }

        var inChf = await finance.GetFromJsonAsync<JsonElement>($"/api/v1/spend?{window}&groupBy=day&currency=CHF");
        Assert.Equal(["2026-11-14", "2026-11-15"], inChf.GetProperty("missingRateDays").EnumerateArray().Select(d => d.GetString()));
        Assert.Contains(inChf.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("No CHF rate is in force for 2 days with cost (2026-11-14, 2026-11-15)", StringComparison.Ordinal));
        var early = inChf.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("day").GetString() == "2026-11-15");
        Assert.Equal((0m, early.GetProperty("costUsd").GetDecimal()), (early.GetProperty("cost").GetDecimal(), early.GetProperty("unconvertedUsd").GetDecimal()));

        // The overview in EUR says which rates it used; the picker's choice is in the URL.
        var overview = System.Text.RegularExpressions.Regex.Replace(System.Net.WebUtility.HtmlDecode(await finance.GetStringAsync("/?cur=EUR")), @"\s+", " ");
        Assert.Contains("data-testid=\"currency-note\"", overview);
        Assert.Contains("Amounts in EUR: prices and bills are in USD, and each UTC day's cost is converted at the EUR rate in force that day (0.909091 per USD from 2026-11-13, 0.952381 per USD from 2026-11-16)", overview);
        Assert.Matches("data-testid=\"stat-value\"[^>]*>€[0-9]", overview);
        Assert.Contains("'ABC' is not an ISO 4217 currency code; showing USD.", System.Net.WebUtility.HtmlDecode(await finance.GetStringAsync("/?cur=ABC")));

        // What changed, in EUR: each period at its own days' rates, and the page says the volume effect holds the rate change.
        var changes = System.Text.RegularExpressions.Regex.Replace(System.Net.WebUtility.HtmlDecode(
            await finance.GetStringAsync("/changes?a=2026-11-14..2026-11-14&b=2026-11-16..2026-11-16&tz=UTC&cur=EUR")), @"\s+", " ");
        decimal EurOf(string day) => days.Single(d => d.GetProperty("day").GetString() == day).GetProperty("cost").GetDecimal();
        Assert.Contains($"{CostConsole.Core.Spend.SpendFormat.Money(EurOf("2026-11-14"), "EUR")} → {CostConsole.Core.Spend.SpendFormat.Money(EurOf("2026-11-16"), "EUR")}", changes);
        Assert.Contains("In EUR, each day's cost is at that day's exchange rate: the volume effect also holds the change in the rate between the periods", changes);

        // A user's chosen currency is their default from then on; a code that is not ISO 4217 is not kept.
        var email = await app.CreateUserAsync(Roles.Finance);
        var chooser = app.CreateClient();
        await AppFactory.SignInAsync(chooser, email, AppFactory.Password);
        var principal = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, email)], "test"));
        var choices = app.Services.GetRequiredService<CostConsole.Features.Identity.UserCurrency>();
        Assert.False(await choices.ChooseAsync(principal, "EURO"));
        Assert.Equal("USD", await choices.OfAsync(principal));
        Assert.True(await choices.ChooseAsync(principal, "gbp"));
        Assert.Contains("Amounts in GBP", System.Net.WebUtility.HtmlDecode(await chooser.GetStringAsync("/")));
        Assert.DoesNotContain("data-testid=\"currency-note\"", await finance.GetStringAsync("/"));

        // Their digest is in their currency, yesterday at yesterday's rate; a day without a rate keeps it in USD and says why.
        using (var subscribed = await chooser.PostAsJsonAsync("/api/v1/digests", new { scope = "org", sendAt = "08:00", timeZone = "UTC", days = "everyday" }))
        {
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
            var digestId = (await subscribed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
            decimal UsdOf(string day) => days.Single(d => d.GetProperty("day").GetString() == day).GetProperty("costUsd").GetDecimal();
            var inGbp = await chooser.GetStringAsync($"/api/v1/digests/{digestId}/preview?date=2026-11-17&format=text");
            Assert.StartsWith($"[CostConsole] All teams (org): {CostConsole.Core.Spend.SpendFormat.Money(UsdOf("2026-11-16") * decimal.Round(0.86m / 1.05m, 10), "GBP")} on Mon Nov 16", inGbp);
            Assert.True(await choices.ChooseAsync(principal, "CHF"));
            var noRate = await chooser.GetStringAsync($"/api/v1/digests/{digestId}/preview?date=2026-11-16&format=text");
            Assert.StartsWith($"[CostConsole] All teams (org): {CostConsole.Core.Spend.SpendFormat.Money(UsdOf("2026-11-15"))} on Sun Nov 15", noRate);
            Assert.Contains("No CHF exchange rate for 2026-11-15: this digest is in USD.", noRate);
            Assert.True(await choices.ChooseAsync(principal, "GBP"));
        }

        // The explorer in EUR: the total is the API's converted total for the same days, with the rates said.
        var explorer = System.Text.RegularExpressions.Regex.Replace(System.Net.WebUtility.HtmlDecode(
            await finance.GetStringAsync("/explore?range=custom&from=2026-11-14&to=2026-11-16&tz=UTC&by=feature&cur=EUR")), @"\s+", " ");
        var threeDays = await finance.GetFromJsonAsync<JsonElement>("/api/v1/spend?from=2026-11-14T00:00:00Z&to=2026-11-17T00:00:00Z&groupBy=feature&currency=EUR");
        Assert.Contains("data-testid=\"explorer-currency-note\"", explorer);
        Assert.Contains($"data-testid=\"total-cost\"><b>{CostConsole.Core.Spend.SpendFormat.Money(threeDays.GetProperty("totals").GetProperty("cost").GetDecimal(), "EUR")}</b>", explorer);

        // A budget in EUR: the month's spend in EUR is each day's spend at that day's rate; a currency without rates is refused.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<CostConsole.Features.Teams.TeamAdministration>().CreateAsync("research")).Succeeded);
        }

        var admin = await app.SignedInAsync(Roles.Admin);
        var teamId = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/budgets")).EnumerateArray().Single(o => o.GetProperty("name").GetString() == "research").GetProperty("teamId").GetInt32();
        using (var noRates = await admin.PutAsJsonAsync($"/api/v1/budgets/teams/{teamId}", new { fromMonth = "2026-11", monthlyUsd = "100", currency = "SEK" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noRates.StatusCode);
            Assert.Contains("There is no SEK exchange rate yet", await noRates.Content.ReadAsStringAsync());
        }

        using (var notIso = await admin.PutAsJsonAsync($"/api/v1/budgets/teams/{teamId}", new { fromMonth = "2026-11", monthlyUsd = "100", currency = "EURO" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notIso.StatusCode);
            Assert.Contains("The currency 'EURO' is not an ISO 4217 currency code", await notIso.Content.ReadAsStringAsync());
        }

        using (var inEur = await admin.PutAsJsonAsync($"/api/v1/budgets/teams/{teamId}", new { fromMonth = "2026-11", monthlyUsd = "100", currency = "eur" }))
        {
            Assert.True(inEur.IsSuccessStatusCode, await inEur.Content.ReadAsStringAsync());
        }

        var research = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/budgets")).EnumerateArray().Single(o => o.GetProperty("name").GetString() == "research");
        Assert.Equal(("EUR", 100m), (research.GetProperty("currency").GetString(), research.GetProperty("budgetUsd").GetDecimal()));
        var hourNow = new DateTimeOffset(Start.AddHours(Hours + 1).Year, 11, 17, 4, 0, 0, TimeSpan.Zero);
        var monthInEur = await finance.GetFromJsonAsync<JsonElement>($"/api/v1/spend?from=2026-11-01T00:00:00Z&to={hourNow:yyyy-MM-ddTHH:mm:ssZ}&groupBy=day&currency=EUR");
        Assert.Equal(monthInEur.GetProperty("totals").GetProperty("cost").GetDecimal(), research.GetProperty("monthToDateUsd").GetDecimal());
        Assert.Equal(decimal.Round(monthInEur.GetProperty("rows").EnumerateArray().Sum(d => d.GetProperty("costUsd").GetDecimal() * EurPerUsd(d.GetProperty("day").GetString()!)), 4),
            decimal.Round(research.GetProperty("monthToDateUsd").GetDecimal(), 4));

        // The exports carry both amounts: FOCUS per day with its rate and date, the chargeback with the month's rates.
        var focus = CostConsole.Csv.CsvTable.Read(await finance.GetStringAsync($"/api/v1/exports/focus?{window}&currency=EUR"));
        var column = focus[0].Fields.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
        foreach (var row in focus.Skip(1).Select(r => r.Fields))
        {
            var day = row[column["ChargePeriodStart"]][..10];
            Assert.Equal(("USD", "EUR"), (row[column["BillingCurrency"]], row[column["x_DisplayCurrency"]]));
            Assert.Equal(EurPerUsd(day), decimal.Parse(row[column["x_ExchangeRate"]], CultureInfo.InvariantCulture));
            Assert.Equal(day == "2026-11-14" || day == "2026-11-15" ? "2026-11-13" : "2026-11-16", row[column["x_ExchangeRateDate"]]);
            Assert.Equal(decimal.Round(decimal.Parse(row[column["BilledCost"]], CultureInfo.InvariantCulture) * EurPerUsd(day), 4),
                decimal.Round(decimal.Parse(row[column["x_DisplayCost"]], CultureInfo.InvariantCulture), 4));
        }

        var chargeback = CostConsole.Csv.CsvTable.Read(await finance.GetStringAsync("/api/v1/exports/chargeback?month=2026-11&currency=EUR"));
        var header = chargeback[0].Fields.ToList();
        Assert.Equal(["currency", "cost", "unconverted_usd", "rates_per_usd"], header.Skip(header.Count - 4));
        var line = Assert.Single(chargeback.Skip(1)).Fields;
        Assert.Equal(decimal.Round(eur.GetProperty("totals").GetProperty("cost").GetDecimal(), 6), decimal.Parse(line[header.IndexOf("cost")], CultureInfo.InvariantCulture));
        Assert.Equal($"2026-11-13={EurPerUsd("2026-11-13").ToString(CultureInfo.InvariantCulture)} 2026-11-16={EurPerUsd("2026-11-16").ToString(CultureInfo.InvariantCulture)}", line[header.IndexOf("rates_per_usd")]);
    }

    [Theory]
    [InlineData("{\"currency\":\"EURO\",\"day\":\"2026-11-01\",\"unitsPerUsd\":\"0.9\"}", "currency 'EURO' is not an ISO 4217 currency code")]
    [InlineData("{\"currency\":\"EUR\",\"day\":\"2026-11-01\",\"unitsPerUsd\":\"-0.9\"}", "rate '-0.9' is not a number of EUR per 1 USD greater than 0")]
    [InlineData("{\"currency\":\"EUR\",\"day\":\"2027-01-01\",\"unitsPerUsd\":\"0.9\"}", "day 2027-01-01 is in the future")]
    [InlineData("{\"currency\":\"EUR\",\"day\":\"01/11/2026\",\"unitsPerUsd\":\"0.9\"}", "day '01/11/2026' is not a day such as 2026-11-01")]
    [InlineData("{\"currency\":\"USD\",\"day\":\"2026-11-01\",\"unitsPerUsd\":\"2\"}", "USD is the billing currency")]
    public async Task A_bad_rate_is_refused_with_its_message_and_nothing_is_stored(string body, string message)
    {
        using var app = new AppFactory("http://127.0.0.1:9", null, new ShiftedTimeProvider(Start));
        var finance = await app.SignedInAsync(Roles.Finance);

        using var refused = await finance.PostAsync("/api/v1/rates", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(message, await refused.Content.ReadAsStringAsync());
        Assert.Empty((await finance.GetFromJsonAsync<JsonElement>("/api/v1/rates")).EnumerateArray());
    }

    [Theory]
    [InlineData("Day,USD\n2026-11-13,1.1\n", "line 1: the first column must be Date")]
    [InlineData("Date,JPY\n2026-11-13,163\n", "line 1: there is no USD column")]
    [InlineData("Date,USD,XYZ\n2026-11-13,1.1,2\n", "line 1: column 3 'XYZ' is not an ISO 4217 currency code")]
    [InlineData("Date,USD\n2026-11-13,cheap\n", "line 2: USD 'cheap' is not a positive number")]
    [InlineData("Date,USD\n13/11/2026,1.1\n", "line 2: Date '13/11/2026' is not a day such as 2026-11-02")]
    public async Task A_bad_rates_file_is_refused_naming_the_line_and_nothing_is_stored(string csv, string message)
    {
        using var app = new AppFactory("http://127.0.0.1:9", null, new ShiftedTimeProvider(Start));
        var finance = await app.SignedInAsync(Roles.Finance);

        using var refused = await finance.PostAsync("/api/v1/rates/import?dryRun=false", new StringContent(csv, Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(message, await refused.Content.ReadAsStringAsync());
        Assert.Empty((await finance.GetFromJsonAsync<JsonElement>("/api/v1/rates")).EnumerateArray());
    }

    [Fact]
    public async Task A_currency_that_is_not_iso_4217_is_refused_by_the_spend_api_and_the_exports()
    {
        using var app = new AppFactory("http://127.0.0.1:9");
        var finance = await app.SignedInAsync(Roles.Finance);

        using var spend = await finance.GetAsync("/api/v1/spend?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&currency=XYZ");
        using var chargeback = await finance.GetAsync("/api/v1/exports/chargeback?month=2026-11&currency=EURO");

        Assert.Equal(HttpStatusCode.BadRequest, spend.StatusCode);
        Assert.Contains("'currency' ('XYZ') is not an ISO 4217 currency code", await spend.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, chargeback.StatusCode);
        Assert.Contains("'currency' ('EURO') is not an ISO 4217 currency code", await chargeback.Content.ReadAsStringAsync());
    }
}
