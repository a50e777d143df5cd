using CostConsole.Csv;

namespace CostConsole.Tests.Unit;

/// <summary>The one CSV writer: RFC 4180 quoting, and text cells a spreadsheet could run defused as OWASP describes.</summary>
public sealed class CsvTableTests
{
    [Theory]
    [InlineData("=1+1", "\"'=1+1\"")]
    [InlineData("+1", "\"'+1\"")]
    [InlineData("-2", "\"'-2\"")]
    [InlineData("@SUM(A1)", "\"'@SUM(A1)\"")]
    [InlineData("\tx", "\"'\tx\"")]
    [InlineData("ops;=1+1", "\"'ops;=1+1\"")]
    [InlineData("ops2;=cmd|' /C calc'!A0", "\"'ops2;=cmd|' /C calc'!A0\"")]
    [InlineData("a,@b", "\"'a,@b\"")]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("a;b", "\"a;b\"")]
    [InlineData("e-mail", "e-mail")]
    public void A_text_cell_is_quoted_and_defused_where_a_spreadsheet_would_run_it(string text, string written)
    {
        var csv = CsvTable.Write(["name"], [[text]]);

        Assert.Equal($"name\n{written}\n", csv);
        Assert.Equal(text, CsvTable.Read(csv)[1].Fields.Single());
    }

    [Fact]
    public void Numbers_are_numbers_negative_ones_included_and_nulls_are_empty()
    {
        var csv = CsvTable.Write(["a", "b", "c", "d"], [[-12.5m, 3L, null, new CsvTable.Number("0.10")]]);

        Assert.Equal("a,b,c,d\n-12.5,3,,0.10\n", csv);
    }

    [Fact]
    public void Line_breaks_inside_a_cell_stay_inside_it()
    {
        var csv = CsvTable.Write(["name", "n"], [["two\nlines", 1L], ["next", 2L]]);

        var records = CsvTable.Read(csv);

        Assert.Equal(["two\nlines", "1"], records[1].Fields);
        Assert.Equal(["next", "2"], records[2].Fields);
    }
}
