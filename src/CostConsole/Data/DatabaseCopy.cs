using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CostConsole.Data;

/// <summary>One table of a copy: its rows in the source and in the target afterwards.</summary>
public sealed record TableCopied(string Table, long SourceRows, long TargetRows)
{
    public bool Matches => SourceRows == TargetRows;
}

/// <summary>
/// Moves CostConsole's data from one database into another of the same model (<c>db copy --to</c>: a SQLite
/// installation into PostgreSQL), table by table in foreign-key order, each row's values as stored (times are UTC
/// ticks on both providers), and counts every table on both sides afterwards. The target must hold nothing but what
/// its migrations seed; those seed rows are replaced by the source's.
/// </summary>
public static class DatabaseCopy
{
    private const int Batch = 1000;

    /// <summary>The tables of the model in an order where every table comes after those its foreign keys point at.</summary>
    public static IReadOnlyList<IEntityType> TablesInOrder(IModel model)
    {
        var types = model.GetEntityTypes().Where(t => t.GetTableName() is not null && !t.IsOwned()).ToList();
        var byTable = types.GroupBy(t => t.GetTableName()!).ToDictionary(g => g.Key, g => g.First());
        List<IEntityType> ordered = [];
        HashSet<string> placed = [];
        void Place(IEntityType type, HashSet<string> path)
        {
            var table = type.GetTableName()!;
            if (placed.Contains(table) || !path.Add(table)) return;
            foreach (var principal in type.GetForeignKeys().Select(k => k.PrincipalEntityType.GetTableName()!).Where(t => t != table && byTable.ContainsKey(t)))
            {
                Place(byTable[principal], path);
            }

            placed.Add(table);
            ordered.Add(type);
        }

        foreach (var type in byTable.Values.OrderBy(t => t.GetTableName(), StringComparer.Ordinal))
        {
            Place(type, []);
        }

        return ordered;
    }

    /// <summary>
    /// Why the target cannot take a copy (a table holds more than its migrations seed), or null when it is empty.
    /// </summary>
    public static async Task<string?> WhyNotEmptyAsync(CostConsoleDbContext target, CancellationToken cancellationToken = default)
    {
        // Seed rows are kept in the design-time model only.
        var design = target.GetService<Microsoft.EntityFrameworkCore.Metadata.IDesignTimeModel>().Model;
        foreach (var type in TablesInOrder(design))
        {
            var rows = await CountAsync(target, type.GetTableName()!, cancellationToken);
            var seeded = type.GetSeedData().Count();
            if (rows > seeded)
            {
                return $"the target database is not empty: table {type.GetTableName()} holds {rows} row(s). db copy only fills an empty database; nothing was copied.";
            }
        }

        return null;
    }

    /// <summary>
    /// Copies <paramref name="tables"/> (all of the model's when null) from <paramref name="source"/> into
    /// <paramref name="target"/>, replacing the target's rows of those tables (seed rows; a non-empty target is refused
    /// by the caller first), in one transaction on the target.
    /// </summary>
    public static async Task<IReadOnlyList<TableCopied>> CopyAsync(CostConsoleDbContext source, CostConsoleDbContext target, IReadOnlyCollection<string>? tables = null,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var order = TablesInOrder(target.Model).Where(t => tables is null || tables.Contains(t.GetTableName()!)).ToList();
        await source.Database.OpenConnectionAsync(cancellationToken);
        await target.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using (var transaction = await target.Database.BeginTransactionAsync(cancellationToken))
            {
                // Children first when clearing, parents first when filling.
                foreach (var type in Enumerable.Reverse(order))
                {
                    await ExecuteAsync(target, $"DELETE FROM {Quote(type.GetTableName()!)}", cancellationToken);
                }

                foreach (var type in order)
                {
                    var copied = await CopyTableAsync(source, target, type, cancellationToken);
                    progress?.Report($"{type.GetTableName()}: {copied} row(s)");
                }

                if (target.Database.IsNpgsql())
                {
                    await ResetSequencesAsync(target, order, cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
            }

            List<TableCopied> counts = [];
            foreach (var type in order)
            {
                var table = type.GetTableName()!;
                counts.Add(new TableCopied(table, await CountAsync(source, table, cancellationToken), await CountAsync(target, table, cancellationToken)));
            }

            return counts;
        }
        finally
        {
            await source.Database.CloseConnectionAsync();
            await target.Database.CloseConnectionAsync();
        }
    }

    private static async Task<long> CopyTableAsync(CostConsoleDbContext source, CostConsoleDbContext target, IEntityType type, CancellationToken cancellationToken)
    {
        var table = type.GetTableName()!;
        var identifier = StoreObjectIdentifier.Table(table, type.GetSchema());
        var columns = type.GetProperties()
            .Select(p => (Name: p.GetColumnName(identifier), Type: StoreType(p)))
            .Where(c => c.Name is not null)
            .DistinctBy(c => c.Name)
            .ToList();
        var list = string.Join(", ", columns.Select(c => Quote(c.Name!)));
        await using var read = source.Database.GetDbConnection().CreateCommand();
        read.CommandText = $"SELECT {list} FROM {Quote(table)}";
        read.Transaction = source.Database.CurrentTransaction?.GetDbTransaction();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        long rows = 0;
        if (target.Database.GetDbConnection() is NpgsqlConnection npgsql)
        {
            // PostgreSQL's binary COPY: the ledger's millions of rows go in at disk speed, not statement by statement.
            await using var import = await npgsql.BeginBinaryImportAsync($"COPY {Quote(table)} ({list}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                await import.StartRowAsync(cancellationToken);
                for (var i = 0; i < columns.Count; i++)
                {
                    var value = Cell(reader, i, columns[i], table);
                    if (value is null) await import.WriteNullAsync(cancellationToken);
                    else await import.WriteAsync(value, cancellationToken);
                }

                rows++;
            }

            await import.CompleteAsync(cancellationToken);
            return rows;
        }

        // Any other target (SQLite): parameterised inserts in batches, inside the caller's transaction.
        var connection = target.Database.GetDbConnection();
        var transaction = target.Database.CurrentTransaction?.GetDbTransaction();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO {Quote(table)} ({list}) VALUES ({string.Join(", ", columns.Select((_, i) => "@c" + i.ToString(CultureInfo.InvariantCulture)))})";
        var parameters = columns.Select((_, i) =>
        {
            var parameter = insert.CreateParameter();
            parameter.ParameterName = "@c" + i.ToString(CultureInfo.InvariantCulture);
            insert.Parameters.Add(parameter);
            return parameter;
        }).ToList();
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < columns.Count; i++)
            {
                parameters[i].Value = Cell(reader, i, columns[i], table) ?? DBNull.Value;
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
            rows++;
        }

        return rows;
    }

    private static object? Cell(DbDataReader reader, int ordinal, (string? Name, Type Type) column, string table)
    {
        try
        {
            return Value(reader, ordinal, column.Type);
        }
        catch (Exception ex) when (ex is InvalidCastException or FormatException or OverflowException)
        {
            throw new InvalidOperationException($"table {table}, column {column.Name}: a value cannot be read as {column.Type.Name} ({ex.Message}); nothing was copied.", ex);
        }
    }

    /// <summary>The CLR type a column holds in the database (after the model's converters: times are ticks, enums numbers or names).</summary>
    private static Type StoreType(IProperty property)
    {
        var mapping = property.GetRelationalTypeMapping();
        var type = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
        return Nullable.GetUnderlyingType(type) ?? type;
    }

    /// <summary>A source value as the target column's type: SQLite hands back integers as long and decimals as text.</summary>
    private static object? Value(DbDataReader reader, int ordinal, Type type)
    {
        if (reader.IsDBNull(ordinal)) return null;
        var value = reader.GetValue(ordinal);
        if (value.GetType() == type) return value;
        if (type.IsEnum) return Enum.ToObject(type, value);
        if (type == typeof(Guid)) return value is string guid ? Guid.Parse(guid) : (Guid)value;
        if (type == typeof(byte[])) return (byte[])value;
        if (value is string text)
        {
            // SQLite keeps these as text in EF Core's invariant formats.
            if (type == typeof(TimeOnly)) return TimeOnly.Parse(text, CultureInfo.InvariantCulture);
            if (type == typeof(DateOnly)) return DateOnly.Parse(text, CultureInfo.InvariantCulture);
            if (type == typeof(TimeSpan)) return TimeSpan.Parse(text, CultureInfo.InvariantCulture);
            if (type == typeof(DateTime)) return DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        }

        return Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
    }

    private static async Task ResetSequencesAsync(CostConsoleDbContext target, IEnumerable<IEntityType> types, CancellationToken cancellationToken)
    {
        foreach (var type in types)
        {
            var table = type.GetTableName()!;
            var identifier = StoreObjectIdentifier.Table(table, type.GetSchema());
            foreach (var key in type.FindPrimaryKey()?.Properties ?? [])
            {
                if (key.ValueGenerated != Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.OnAdd || (key.ClrType != typeof(int) && key.ClrType != typeof(long))) continue;
                var column = key.GetColumnName(identifier)!;
                // An identity column's sequence does not see ids given explicitly: move it past the copied ones.
                await ExecuteAsync(target,
                    $"SELECT setval(pg_get_serial_sequence('{Quote(table)}', '{column}'), COALESCE((SELECT MAX({Quote(column)}) FROM {Quote(table)}), 0) + 1, false)",
                    cancellationToken);
            }
        }
    }

    private static async Task<long> CountAsync(CostConsoleDbContext db, string table, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = $"SELECT COUNT(*) FROM {Quote(table)}";
        var opened = db.Database.GetDbConnection().State != System.Data.ConnectionState.Open;
        if (opened) await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }
        finally
        {
            if (opened) await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task ExecuteAsync(CostConsoleDbContext db, string sql, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Table and column names come from the model, never from input; quoted for both providers.</summary>
    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
