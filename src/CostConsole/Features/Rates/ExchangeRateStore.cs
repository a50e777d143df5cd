using System.ComponentModel;
using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Rates;

/// <summary>A stored exchange rate: units of a currency per 1 USD from a UTC day, who set it and from where.</summary>
public sealed class ExchangeRateRecord
{
    public long Id { get; set; }
    public required string Currency { get; set; }
    public int Day { get; set; }
    public decimal UnitsPerUsd { get; set; }
    public required string Source { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public ExchangeRate ToRate() => new(Currency, DateOnly.FromDayNumber(Day), UnitsPerUsd);
}

/// <summary>
/// Effective-dated exchange rates, entered by Finance or Admins or imported from the ECB's reference rates file. A
/// rate for a currency and day replaces the one stored for them; every change bumps the cost data version, so every
/// converted figure is computed again.
/// </summary>
public sealed class ExchangeRateStore(IDbContextFactory<CostConsoleDbContext> dbFactory, CostDataVersion dataVersion, TimeProvider time)
{
    public const decimal MaxUnitsPerUsd = 1_000_000m;

    private (long Version, string Currency, ExchangeRates Rates)? _cached;

    /// <summary>The rates of one currency (cached until a change).</summary>
    public async Task<ExchangeRates> LoadAsync(string currency, CancellationToken cancellationToken = default)
    {
        var version = dataVersion.Current;
        if (_cached is { } cached && cached.Version == version && cached.Currency == currency) return cached.Rates;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ExchangeRates.AsNoTracking().Where(r => r.Currency == currency).ToListAsync(cancellationToken);
        var rates = new ExchangeRates(rows.Select(r => r.ToRate()));
        _cached = (version, currency, rates);
        return rates;
    }

    /// <summary>The currencies that have any rate.</summary>
    public async Task<IReadOnlyList<string>> CurrenciesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ExchangeRates.AsNoTracking().Select(r => r.Currency).Distinct().OrderBy(c => c).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ExchangeRateRecord>> ListAsync(string? currency, int take = 500, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.ExchangeRates.AsNoTracking();
        if (!string.IsNullOrEmpty(currency)) query = query.Where(r => r.Currency == currency);
        return await query.OrderByDescending(r => r.Day).ThenBy(r => r.Currency).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>The problem with one rate, or null: an ISO 4217 code other than USD, a past or present day, a positive number.</summary>
    public string? Problem(string currency, string day, string rate, out ExchangeRate? parsed)
    {
        parsed = null;
        if (!Currencies.IsIso4217(currency)) return $"currency '{Echo.Printable(currency)}' is not an ISO 4217 currency code (such as EUR or GBP).";
        if (currency == Currencies.Billing) return "USD is the billing currency: its rate is always 1.";
        if (!DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)) return $"day '{Echo.Printable(day)}' is not a day such as 2026-11-01.";
        if (from > DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime)) return $"day {from:yyyy-MM-dd} is in the future: a rate is entered when it is known.";
        if (!decimal.TryParse(rate, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > MaxUnitsPerUsd)
            return $"rate '{Echo.Printable(rate)}' is not a number of {currency} per 1 USD greater than 0 (and at most {MaxUnitsPerUsd:N0}).";
        parsed = new ExchangeRate(currency, from, value);
        return null;
    }

    /// <summary>Stores rates (each replacing the one of its currency and day) in one transaction; returns how many.</summary>
    public async Task<int> SaveAsync(IReadOnlyList<ExchangeRate> rates, string source, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var currency in rates.GroupBy(r => r.Currency))
        {
            var days = currency.Select(r => r.Day.DayNumber).ToList();
            foreach (var chunk in days.Chunk(500))
            {
                await db.ExchangeRates.Where(r => r.Currency == currency.Key && chunk.Contains(r.Day)).ExecuteDeleteAsync(cancellationToken);
            }
        }

        var now = time.GetUtcNow();
        foreach (var chunk in rates.DistinctBy(r => (r.Currency, r.Day)).Chunk(5_000))
        {
            db.ExchangeRates.AddRange(chunk.Select(r => new ExchangeRateRecord { Currency = r.Currency, Day = r.Day.DayNumber, UnitsPerUsd = r.UnitsPerUsd, Source = source, CreatedBy = actor, CreatedAt = now }));
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }

        await transaction.CommitAsync(cancellationToken);
        dataVersion.Bump();
        return rates.Count;
    }
}

public sealed record ExchangeRateJson(string Currency, string Day, decimal UnitsPerUsd, string Source, string CreatedBy)
{
    public static ExchangeRateJson Of(ExchangeRateRecord r) => new(r.Currency, DateOnly.FromDayNumber(r.Day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.UnitsPerUsd, r.Source, r.CreatedBy);
}

/// <summary>One rate to enter: currency (ISO 4217), day (yyyy-MM-dd, UTC; in force until the next), units of the currency per 1 USD.</summary>
public sealed record ExchangeRateBody(string? Currency, string? Day, string? UnitsPerUsd);

public sealed record RatesImportJson(int Rates, IReadOnlyList<string> Currencies, string? From, string? To, bool DryRun, IReadOnlyList<string> Problems);

public static class ExchangeRateApi
{
    public const int MaxImportBytes = 16 * 1024 * 1024;

    public static IServiceCollection AddCostConsoleRates(this IServiceCollection services)
    {
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<ExchangeRateStore>(services);
        return services;
    }

    public static IEndpointRouteBuilder MapExchangeRateApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1").WithTags("Exchange rates").RequireAuthorization(Policies.Everyone);
        group.MapGet("/rates", async ([FromQuery, Description("Only this currency.")] string? currency, ExchangeRateStore store, CancellationToken cancellationToken) =>
                Results.Ok((await store.ListAsync(currency, cancellationToken: cancellationToken)).Select(ExchangeRateJson.Of)))
            .WithSummary("Exchange rates, newest first: units of each currency per 1 USD, each in force from its UTC day until the next.")
            .Produces<IReadOnlyList<ExchangeRateJson>>(StatusCodes.Status200OK);
        group.MapPost("/rates", async (HttpContext context, ExchangeRateStore store, CancellationToken cancellationToken) =>
            {
                var (body, bodyProblem) = await ApiBody.ReadAsync<ExchangeRateBody>(context, cancellationToken);
                if (body is null) return Results.Problem(title: "Invalid rate", detail: bodyProblem, statusCode: StatusCodes.Status400BadRequest);
                var problem = store.Problem((body.Currency ?? "").Trim().ToUpperInvariant(), (body.Day ?? "").Trim(), (body.UnitsPerUsd ?? "").Trim(), out var rate);
                if (problem is not null) return Results.Problem(title: "Invalid rate", detail: problem, statusCode: StatusCodes.Status400BadRequest);
                await store.SaveAsync([rate!], "entered", context.User.Identity?.Name ?? "api", cancellationToken);
                return Results.Created($"/api/v1/rates?currency={rate!.Currency}", new ExchangeRateJson(rate.Currency, rate.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), rate.UnitsPerUsd, "entered", context.User.Identity?.Name ?? "api"));
            })
            .RequireAuthorization(Policies.FinanceOrAdmin)
            .WithSummary("Enters (or replaces) the rate of a currency from a UTC day (Finance and Admins).")
            .Produces<ExchangeRateJson>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapPost("/rates/import", async (HttpContext context, [FromQuery, Description("true (default): only check.")] bool? dryRun, ExchangeRateStore store, TimeProvider time, CancellationToken cancellationToken) =>
            {
                var text = await ApiBody.ReadTextAsync(context.Request.Body, MaxImportBytes, cancellationToken);
                if (text is null) return Results.Problem(title: "Invalid rates file", detail: $"The file is larger than {MaxImportBytes / 1024 / 1024} MB.", statusCode: StatusCodes.Status400BadRequest);
                var answer = await ImportAsync(store, text, dryRun ?? true, context.User.Identity?.Name ?? "api", time, cancellationToken);
                return answer.Problems.Count > 0 ? Results.BadRequest(answer) : Results.Ok(answer);
            })
            .RequireAuthorization(Policies.FinanceOrAdmin)
            .WithSummary("Imports the ECB's euro reference rates (eurofxref-hist.csv or eurofxref.csv), converted to units per 1 USD; a dry run unless dryRun=false. A day's rate replaces the one stored.")
            .Produces<RatesImportJson>(StatusCodes.Status200OK).Produces<RatesImportJson>(StatusCodes.Status400BadRequest);
        return endpoints;
    }

    public static async Task<RatesImportJson> ImportAsync(ExchangeRateStore store, string text, bool dryRun, string actor, TimeProvider time, CancellationToken cancellationToken)
    {
        IReadOnlyList<(int Line, string[] Fields)> rows;
        try
        {
            rows = Csv.CsvTable.Read(text);
        }
        catch (Exception ex) when (ex is CsvHelper.CsvHelperException or FormatException)
        {
            return new RatesImportJson(0, [], null, null, dryRun, [$"the file is not a CSV file ({Echo.Printable(ex.Message)})"]);
        }

        var (rates, problems) = EcbRates.Parse(rows, time.GetUtcNow());
        if (problems.Count > 0) return new RatesImportJson(0, [], null, null, dryRun, [.. problems.Take(100)]);
        if (!dryRun) await store.SaveAsync(rates, "ECB reference rates", actor, cancellationToken);
        return new RatesImportJson(rates.Count, [.. rates.Select(r => r.Currency).Distinct().Order(StringComparer.Ordinal)],
            rates.Min(r => r.Day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), rates.Max(r => r.Day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), dryRun, []);
    }
}
