using System.Globalization;
using CostConsole.Data;
using CostConsole.Features.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A fixture's whole history in a ledger database, ingested once per test run by the real ingestor and copied into
/// each test's own database: the tests that read the ledger (rather than test ingestion) start from the same hours
/// without reading Prometheus again.
/// </summary>
/// <param name="end">The end of the last hour to ingest (closed by the source app's clock, <paramref name="time"/>).</param>
public sealed class FilledLedger(string prometheusUrl, DateTimeOffset start, DateTimeOffset end, TimeProvider? time = null) : IAsyncDisposable
{
    private static readonly string[] Tables = ["LedgerSets", "LedgerTokens", "LedgerDays", "LedgerHours"];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private AppFactory? _source;

    /// <summary>Copies the ingested hours into <paramref name="app"/>'s (started, empty) ledger and brings its status up to date.</summary>
    public async Task CopyIntoAsync(AppFactory app)
    {
        var source = await SourceAsync();
        // The app has started and migrated its database.
        var ingestor = app.Services.GetRequiredService<LedgerIngestor>();
        Assert.Null(await ingestor.ThroughAsync());
        if (app.Database == DatabaseProvider.PostgreSql)
        {
            // Through the app's own copier (db copy), which moves rows between providers as stored.
            var factories = (Source: source.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>(), Target: app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>());
            await using var from = await factories.Source.CreateDbContextAsync();
            await using var into = await factories.Target.CreateDbContextAsync();
            var copied = await DatabaseCopy.CopyAsync(from, into, Tables);
            Assert.All(copied, c => Assert.True(c.Matches, $"{c.Table}: {c.SourceRows} rows, {c.TargetRows} copied"));
        }
        else
        {
            await CopySqliteAsync(app, source);
        }

        // Nothing is left to read: this records the ledger's extent as a finished sync would, and drops the caches.
        Assert.Equal(0, await ingestor.SyncAsync(end));
        Assert.Equal(end, await ingestor.ThroughAsync());
        app.Services.GetRequiredService<CostDataVersion>().Bump();
    }

    private static async Task CopySqliteAsync(AppFactory app, AppFactory source)
    {
        // The app's own database, wherever its settings put it.
        var target = new SqliteConnectionStringBuilder(app.Services.GetRequiredService<IConfiguration>().GetConnectionString("CostConsole")) { Pooling = false };
        await using (var connection = new SqliteConnection(target.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "ATTACH DATABASE $source AS filled; BEGIN; "
                + string.Concat(Tables.Select(t => $"INSERT INTO main.{t} SELECT * FROM filled.{t}; "))
                + "COMMIT; DETACH DATABASE filled;";
            command.Parameters.AddWithValue("$source", new SqliteConnectionStringBuilder(source.Services.GetRequiredService<IConfiguration>().GetConnectionString("CostConsole")).DataSource);
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task<AppFactory> SourceAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_source is null)
            {
                var source = new AppFactory(prometheusUrl, new Dictionary<string, string?>
                {
                    ["Ledger:BackfillFrom"] = start.ToString("O", CultureInfo.InvariantCulture),
                    ["Ledger:ChunkHours"] = "24",
                }, time);
                await source.Services.GetRequiredService<LedgerIngestor>().SyncAsync(end);
                Assert.Equal(end, await source.Services.GetRequiredService<LedgerIngestor>().ThroughAsync());
                _source = source;
            }

            return _source;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }
    }
}
