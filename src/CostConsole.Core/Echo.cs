namespace CostConsole.Core;

/// <summary>How an outside value (a query parameter, a label, a file's cell) is repeated in an error message.</summary>
public static class Echo
{
    /// <summary>At most 60 characters, control characters as '?': a message never carries a line break or a page of text.</summary>
    public static string Printable(string text) => new([.. text.Take(60).Select(c => char.IsControl(c) ? '?' : c)]);
}
