using CostConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Reconcile;

/// <summary>
/// One import of a provider report: which report, the UTC days it covered (<see cref="ToDay"/> exclusive), who
/// imported it, from where, and what it held. Kept after a later import of the same period replaces its lines
/// (<see cref="ReplacedBy"/>): the imports are the audit trail.
/// </summary>
public sealed class ReportImport
{
    public long Id { get; set; }
    public required string Source { get; set; }
    public required string Provider { get; set; }
    public int FromDay { get; set; }
    public int ToDay { get; set; }
    public DateTimeOffset ImportedAt { get; set; }
    public required string Actor { get; set; }
    public required string Origin { get; set; }
    public int Lines { get; set; }
    public long Tokens { get; set; }
    public decimal AmountUsd { get; set; }
    public long? ReplacedBy { get; set; }

    public DateOnly From => DateOnly.FromDayNumber(FromDay);

    public DateOnly To => DateOnly.FromDayNumber(ToDay);

    public string Period => ToDay - FromDay == 1 ? $"{From:yyyy-MM-dd}" : $"{From:yyyy-MM-dd} – {To.AddDays(-1):yyyy-MM-dd}";
}

/// <summary>A stored report line (see <see cref="ReportLine"/>); the day is a day number, for range reads.</summary>
public sealed class ReportLineRecord
{
    public long Id { get; set; }
    public long ImportId { get; set; }
    public required string Source { get; set; }
    public required string Provider { get; set; }
    public int Day { get; set; }
    public string Model { get; set; } = "";
    public string Variant { get; set; } = "";
    public string Account { get; set; } = "";
    public string ApiKey { get; set; } = "";
    public long Uncached { get; set; }
    public long CacheRead { get; set; }
    public long CacheWrite5m { get; set; }
    public long CacheWrite1h { get; set; }
    public long Output { get; set; }
    public long Requests { get; set; }
    public decimal AmountUsd { get; set; }
    public string Kind { get; set; } = "";
    public bool TokenCost { get; set; } = true;

    /// <summary>A bill row's SKU, resource and tags (JSON), read by the mapping rules; its meter is <see cref="Kind"/>.</summary>
    public string Sku { get; set; } = "";
    public string Resource { get; set; } = "";
    public string Tags { get; set; } = "";
    public long BillTokens { get; set; }

    /// <summary>The model and token type the bill row itself names (FOCUS SkuPriceDetails).</summary>
    public string DetailModel { get; set; } = "";
    public string DetailTokenType { get; set; } = "";

    public ReportLine ToLine() => new(DateOnly.FromDayNumber(Day), Model, Variant, Account, ApiKey,
        new ReportTokens(Uncached, CacheRead, CacheWrite5m, CacheWrite1h, Output, Requests), AmountUsd, Kind, TokenCost)
    {
        Bill = Source == ReportSources.Focus
            ? new BillFields(Sku, Resource, Kind, Account, ApiKey, Tags.Length == 0 ? new Dictionary<string, string>() : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(Tags) ?? [])
            {
                DetailModel = DetailModel,
                DetailTokenType = DetailTokenType,
            }
            : null,
        BillTokens = BillTokens,
    };
}

/// <summary>What an import did or would do: the period, the lines, the imports it replaces, or why it cannot.</summary>
public sealed record ReportImportResult(ParsedReport Report, IReadOnlyList<ReportImport> Replaces, IReadOnlyList<ReportProblem> Problems, ReportImport? Written)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// Stores provider reports. Importing a period replaces the imports of the same report it covers (idempotent: the
/// same file twice leaves the same lines); an import that covers part of an earlier one is refused, naming it, so no
/// day is ever half one import and half another. Written in one transaction with its audit record.
/// </summary>
public sealed class ProviderReportStore(IDbContextFactory<CostConsoleDbContext> dbFactory, TimeProvider time)
{
    /// <param name="provider">For a FOCUS bill: the CostConsole provider value its usage runs under (aws.bedrock…), so
    /// CostConsole's rows of that provider are the ones compared with it.</param>
    public async Task<ReportImportResult> ImportAsync(string source, string text, string actor, string origin, bool dryRun, CancellationToken cancellationToken = default, string? provider = null)
    {
        ParsedReport report;
        if (source == ReportSources.Focus)
        {
            var bad = (provider ?? "").Trim() is var p && (p.Length == 0 || p.Length > 100 || p.Any(char.IsControl))
                ? "provider is required for a FOCUS bill (at most 100 characters): the provider value CostConsole's counters carry for this usage, e.g. aws.bedrock"
                : null;
            IReadOnlyList<(int Line, string[] Fields)> rows;
            try
            {
                rows = Csv.CsvTable.Read(text);
            }
            catch (Exception ex) when (ex is CsvHelper.CsvHelperException or FormatException)
            {
                return new ReportImportResult(new ParsedReport(source, default, default, [], []), [], [new ReportProblem("file", $"is not a CSV file ({Echo.Printable(ex.Message)})")], null);
            }

            report = FocusBill.Parse(rows, time.GetUtcNow());
            if (bad is not null) report = report with { Lines = [], Problems = [new ReportProblem("provider", bad), .. report.Problems] };
        }
        else
        {
            report = ProviderReports.Parse(source, text, time.GetUtcNow());
        }

        if (report.Problems.Count > 0) return new ReportImportResult(report, [], report.Problems, null);
        return await StoreAsync(report, actor, origin, dryRun, cancellationToken, provider: provider?.Trim());
    }

    /// <param name="period">The UTC days [from, to) the import covers when they are known apart from its buckets (a pull of a
    /// whole month covers the days the API returned no bucket for as well); by default the days of its buckets.</param>
    public async Task<ReportImportResult> StoreAsync(ParsedReport report, string actor, string origin, bool dryRun, CancellationToken cancellationToken = default,
        (DateOnly From, DateOnly To)? period = null, string? provider = null)
    {
        var providerName = report.Source == ReportSources.Focus ? (provider ?? "").ToLowerInvariant() : ReportSources.ProviderOf(report.Source);
        if (period is { } days)
        {
            if (report.Lines.Any(l => l.Day < days.From || l.Day >= days.To))
            {
                return new ReportImportResult(report, [], [new ReportProblem("period", $"the report has days outside {days.From:yyyy-MM-dd} – {days.To.AddDays(-1):yyyy-MM-dd}, the period asked for")], null);
            }

            report = report with { From = days.From, To = days.To };
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (from, to) = (report.From.DayNumber, report.To.DayNumber);
        var overlapping = await db.ReportImports
            .Where(i => i.Source == report.Source && i.Provider == providerName && i.ReplacedBy == null && i.FromDay < to && i.ToDay > from)
            .OrderBy(i => i.FromDay).ToListAsync(cancellationToken);
        var partial = overlapping.Where(i => i.FromDay < from || i.ToDay > to).ToList();
        if (partial.Count > 0)
        {
            return new ReportImportResult(report, [], [.. partial.Select(i => new ReportProblem("period",
                $"{report.From:yyyy-MM-dd} – {report.To.AddDays(-1):yyyy-MM-dd} overlaps part of the import of {i.Period} (#{i.Id}, {i.ImportedAt:yyyy-MM-dd HH:mm} UTC by {i.Actor}): import a period that covers it whole, or one that does not touch it"))], null);
        }

        if (dryRun) return new ReportImportResult(report, overlapping, [], null);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var import = new ReportImport
        {
            Source = report.Source,
            Provider = providerName,
            FromDay = from,
            ToDay = to,
            ImportedAt = time.GetUtcNow(),
            Actor = actor,
            Origin = origin,
            Lines = report.Lines.Count,
            Tokens = report.Lines.Sum(l => l.Tokens.TotalInput + l.Tokens.Output),
            AmountUsd = report.Lines.Sum(l => l.AmountUsd),
        };
        db.ReportImports.Add(import);
        await db.SaveChangesAsync(cancellationToken);
        if (overlapping.Count > 0)
        {
            var replaced = overlapping.Select(i => i.Id).ToList();
            await db.ReportLines.Where(l => replaced.Contains(l.ImportId)).ExecuteDeleteAsync(cancellationToken);
            await db.ReportImports.Where(i => replaced.Contains(i.Id)).ExecuteUpdateAsync(s => s.SetProperty(i => i.ReplacedBy, import.Id), cancellationToken);
        }

        foreach (var chunk in report.Lines.Chunk(5_000))
        {
            db.ReportLines.AddRange(chunk.Select(l => new ReportLineRecord
            {
                ImportId = import.Id, Source = report.Source, Provider = import.Provider, Day = l.Day.DayNumber, Model = l.Model, Variant = l.Variant,
                Account = l.Account, ApiKey = l.ApiKey, Uncached = l.Tokens.Uncached, CacheRead = l.Tokens.CacheRead, CacheWrite5m = l.Tokens.CacheWrite5m,
                CacheWrite1h = l.Tokens.CacheWrite1h, Output = l.Tokens.Output, Requests = l.Tokens.Requests, AmountUsd = l.AmountUsd, Kind = l.Kind, TokenCost = l.TokenCost,
                Sku = l.Bill?.Sku ?? "", Resource = l.Bill?.Resource ?? "", Tags = l.Bill is { Tags.Count: > 0 } bill ? System.Text.Json.JsonSerializer.Serialize(bill.Tags) : "",
                BillTokens = l.BillTokens, DetailModel = l.Bill?.DetailModel ?? "", DetailTokenType = l.Bill?.DetailTokenType ?? "",
            }));
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }

        await transaction.CommitAsync(cancellationToken);
        return new ReportImportResult(report, overlapping, [], import);
    }

    /// <summary>The stored lines of the days in [from, to), by report.</summary>
    /// <summary>The stored lines of the days in [from, to), by report and the provider it covers.</summary>
    public async Task<IReadOnlyList<(string Source, string Provider, ReportLine Line)>> ProviderLinesAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ReportLines.AsNoTracking().Where(l => l.Day >= from.DayNumber && l.Day < to.DayNumber).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Source, r.Provider, r.ToLine()))];
    }

    public async Task<IReadOnlyList<(string Source, ReportLine Line)>> LinesAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ReportLines.AsNoTracking().Where(l => l.Day >= from.DayNumber && l.Day < to.DayNumber).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Source, r.ToLine()))];
    }

    /// <summary>The imports in force (not replaced) that touch [from, to).</summary>
    public async Task<IReadOnlyList<ReportImport>> CoveringAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ReportImports.AsNoTracking().Where(i => i.ReplacedBy == null && i.FromDay < to.DayNumber && i.ToDay > from.DayNumber)
            .OrderBy(i => i.FromDay).ToListAsync(cancellationToken);
    }

    /// <summary>Every import, newest first: the audit trail.</summary>
    public async Task<IReadOnlyList<ReportImport>> HistoryAsync(int take = 200, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ReportImports.AsNoTracking().OrderByDescending(i => i.Id).Take(take).ToListAsync(cancellationToken);
    }
}
