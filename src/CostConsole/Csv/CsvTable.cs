using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace CostConsole.Csv;

/// <summary>
/// The one CSV writer (and reader) of every export and import, on CsvHelper: RFC 4180 quoting, and text cells defused
/// as OWASP's "CSV Injection" page describes. Label values are chosen by whoever emits a metric; a spreadsheet must
/// never take one for a formula. A text cell that starts with = + - @, a tab or a CR — or has one of those right after
/// a ';' or ',' (which a spreadsheet set to another separator splits on) — is written with a leading ' and quoted.
/// Numbers are written as numbers (a negative amount stays a number). The reader takes the ' back off such a cell,
/// so an export imports again unchanged.
/// </summary>
public static class CsvTable
{
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    private static CsvConfiguration Configuration => new(CultureInfo.InvariantCulture)
    {
        NewLine = "\n",
        // Defusing is done here, where text and numbers are still told apart; CsvHelper's own check sees only strings.
        InjectionOptions = InjectionOptions.None,
    };

    /// <summary>Writes a header and rows. Cells are strings (text), numbers (decimal, double, long, int) or null (empty).</summary>
    public static string Write(IReadOnlyList<string> header, IEnumerable<IEnumerable<object?>> rows) => Write(header, rows, withHeader: true);

    /// <summary>
    /// Writes a header and rows to a stream (a response body) in batches of <paramref name="batchRows"/> rows, each
    /// written asynchronously as it is ready: memory stays at one batch however many rows there are.
    /// </summary>
    public static async Task WriteAsync(Stream body, IReadOnlyList<string> header, IEnumerable<IEnumerable<object?>> rows, CancellationToken cancellationToken, int batchRows = 2000)
    {
        await using var writer = new StreamWriter(body, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true);
        var withHeader = true;
        foreach (var batch in rows.Chunk(batchRows))
        {
            await writer.WriteAsync(Write(header, batch, withHeader).AsMemory(), cancellationToken);
            withHeader = false;
        }

        if (withHeader) await writer.WriteAsync(Write(header, [], true).AsMemory(), cancellationToken);
        await writer.FlushAsync(cancellationToken);
    }

    private static string Write(IReadOnlyList<string> header, IEnumerable<IEnumerable<object?>> rows, bool withHeader)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, Configuration))
        {
            if (withHeader)
            {
                foreach (var name in header) csv.WriteField(name);
                csv.NextRecord();
            }

            foreach (var row in rows)
            {
                foreach (var cell in row)
                {
                    switch (cell)
                    {
                        case null:
                            csv.WriteField("");
                            break;
                        case string value:
                            var safe = Defuse(value);
                            csv.WriteField(safe, shouldQuote: !ReferenceEquals(safe, value) || NeedsQuotes(safe));
                            break;
                        case Number number:
                            csv.WriteField(number.Text);
                            break;
                        case IFormattable number:
                            csv.WriteField(number.ToString(null, CultureInfo.InvariantCulture));
                            break;
                        default:
                            csv.WriteField(Defuse(cell.ToString() ?? ""), shouldQuote: true);
                            break;
                    }
                }

                csv.NextRecord();
            }
        }

        return text.ToString();
    }

    /// <summary>A number already formatted (e.g. "12.50"): written as it is, never defused.</summary>
    public readonly record struct Number(string Text);

    /// <summary>The text a spreadsheet shows as text: prefixed with ' when it could start a formula anywhere in it.</summary>
    public static string Defuse(string value) => IsDangerous(value) ? "'" + value : value;

    public static bool IsDangerous(string value)
    {
        if (value.Length == 0) return false;
        if (FormulaStarts.Contains(value[0])) return true;
        for (var i = 0; i < value.Length - 1; i++)
        {
            if (value[i] is ';' or ',' && FormulaStarts.Contains(value[i + 1])) return true;
        }

        return false;
    }

    private static bool NeedsQuotes(string value) => value.AsSpan().IndexOfAny(",\"\r\n;") >= 0 || value.StartsWith(' ') || value.EndsWith(' ');

    /// <summary>Reads every record (the header included) as fields, each with its line number; a defused cell gets its text back unless <paramref name="restore"/> is false.</summary>
    public static IReadOnlyList<(int Line, string[] Fields)> Read(string text, bool restore = true)
    {
        List<(int, string[])> records = [];
        using var reader = new StringReader(text.TrimStart('\uFEFF'));
        using var csv = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null, NewLine = "\n", DetectColumnCountChanges = false });
        while (csv.Read())
        {
            var fields = csv.Record ?? [];
            if (fields.Length == 1 && fields[0].Length == 0) continue; // an empty line
            records.Add((csv.RawRow, restore ? [.. fields.Select(Restore)] : fields));
        }

        return records;
    }

    /// <summary>Takes the ' off a cell <see cref="Defuse"/> wrote.</summary>
    public static string Restore(string cell) => cell.Length > 1 && cell[0] == '\'' && IsDangerous(cell[1..]) ? cell[1..] : cell;
}
