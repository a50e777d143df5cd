using CostConsole.Data;
using CostConsole.Features.Metrics;
using CostConsole.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CostConsole.Tests.Integration;

/// <summary>
/// The migration that moved dimension values into LedgerSets carries a ledger written before it: every hour, day and
/// month row keeps its values and tokens, and going back restores the old shape.
/// </summary>
public sealed class LedgerMigrationTests : IDisposable
{
    private const string Before = "20261202014127_LedgerMonths";

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"costconsole-migration-{Guid.NewGuid():N}.db");

    private CostConsoleDbContext Open() =>
        new(new DbContextOptionsBuilder<CostConsoleDbContext>().UseSqlite($"Data Source={_path};Pooling=False").Options);

    /// <summary>Rows in the old shape: (time, model, feature, team, extra, type, tokens) per table. Two share a set across tables.</summary>
    private static readonly (string Table, string Time, long At, string Model, string Feature, string Team, string Extra, TokenType Type, long Tokens)[] OldRows =
    [
        ("LedgerTokens", "HourUnix", 1_764_547_200, "gpt-4o", "search", "core", "", TokenType.Input, 1200),
        ("LedgerTokens", "HourUnix", 1_764_547_200, "gpt-4o", "search", "core", "", TokenType.Output, 340),
        ("LedgerTokens", "HourUnix", 1_764_550_800, "claude-sonnet-4-5", "=HYPERLINK(\"x\")", "<b>t</b>", "{\"tier\":\"flex\"}", TokenType.Input, 7),
        ("LedgerDays", "DayUnix", 1_764_547_200, "gpt-4o", "search", "core", "", TokenType.Input, 1200),
        ("LedgerDays", "DayUnix", 1_764_547_200, "claude-sonnet-4-5", "=HYPERLINK(\"x\")", "<b>t</b>", "{\"tier\":\"flex\"}", TokenType.Input, 7),
        ("LedgerMonths", "MonthUnix", 1_764_547_200, "gpt-4o", "search", "core", "", TokenType.Input, 1200),
        ("LedgerMonths", "MonthUnix", 1_764_547_200, "gemini-2.5-pro", "only-in-months", "", "", TokenType.Output, 55),
    ];

    [Fact]
    public async Task Dimension_values_move_into_sets_with_every_row_kept_and_back()
    {
        await using (var db = Open())
        {
            await db.GetService<IMigrator>().MigrateAsync(Before);
            await InsertOldRowsAsync(db);
            await db.Database.MigrateAsync();
        }

        await using (var db = Open())
        {
            // One set per distinct value tuple, whichever tables held it.
            Assert.Equal(3, await db.LedgerSets.CountAsync());
            var hours = await db.LedgerRows().OrderBy(r => r.HourUnix).ThenBy(r => r.TokenType).ToListAsync();
            Assert.Equal(
                OldRows.Where(r => r.Table == "LedgerTokens").Select(r => (r.At, r.Model, r.Feature, r.Team, r.Extra, r.Type, r.Tokens)),
                hours.Select(r => (r.HourUnix, r.Model, r.Feature, r.Team, r.Extra, r.TokenType, r.Tokens)));
            var days = await db.LedgerDays.Join(db.LedgerSets, d => d.SetId, s => s.Id, (d, s) => new { d.DayUnix, s.Model, s.Feature, d.TokenType, d.Tokens }).OrderBy(d => d.Model).ToListAsync();
            Assert.Equal(
                OldRows.Where(r => r.Table == "LedgerDays").OrderBy(r => r.Model, StringComparer.Ordinal).Select(r => (r.At, r.Model, r.Feature, r.Type, r.Tokens)),
                days.Select(d => (d.DayUnix, d.Model, d.Feature, d.TokenType, d.Tokens)));
            var months = await db.LedgerMonths.Join(db.LedgerSets, m => m.SetId, s => s.Id, (m, s) => new { m.MonthUnix, s.Model, s.Feature, m.TokenType, m.Tokens }).OrderBy(m => m.Model).ToListAsync();
            Assert.Equal(
                OldRows.Where(r => r.Table == "LedgerMonths").OrderBy(r => r.Model, StringComparer.Ordinal).Select(r => (r.At, r.Model, r.Feature, r.Type, r.Tokens)),
                months.Select(m => (m.MonthUnix, m.Model, m.Feature, m.TokenType, m.Tokens)));

            // And back: the old tables hold the same rows again.
            await db.GetService<IMigrator>().MigrateAsync(Before);
        }

        await using (var connection = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await connection.OpenAsync();
            foreach (var table in OldRows.Select(r => (r.Table, r.Time)).Distinct())
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT {table.Time}, Model, Feature, Team, Extra, TokenType, Tokens FROM {table.Table} ORDER BY Model, TokenType";
                List<(long, string, string, string, string, TokenType, long)> rows = [];
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), (TokenType)reader.GetInt32(5), reader.GetInt64(6)));
                }

                Assert.Equal(
                    OldRows.Where(r => r.Table == table.Table).OrderBy(r => r.Model, StringComparer.Ordinal).ThenBy(r => r.Type).Select(r => (r.At, r.Model, r.Feature, r.Team, r.Extra, r.Type, r.Tokens)),
                    rows);
            }
        }
    }

    private static async Task InsertOldRowsAsync(CostConsoleDbContext db)
    {
        foreach (var row in OldRows)
        {
            await db.Database.ExecuteSqlRawAsync(
                $"INSERT INTO {row.Table} ({row.Time}, Model, Provider, Feature, Team, Operation, Outcome, Extra, TokenType, Tokens) VALUES ({{0}}, {{1}}, 'p', {{2}}, {{3}}, 'chat', '', {{4}}, {{5}}, {{6}})",
                row.At, row.Model, row.Feature, row.Team, row.Extra, (int)row.Type, row.Tokens);
        }
    }

    public void Dispose()
    {
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
