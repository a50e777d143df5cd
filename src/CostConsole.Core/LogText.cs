namespace CostConsole.Core;

/// <summary>
/// A value from a request, made safe for a log line: line breaks and other control characters shown as escapes (a
/// newline in a sign-in email once forged a "Signed in admin@…" line), and long values cut.
/// </summary>
public static class LogText
{
    public static string Safe(string? value, int max = 200)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var text = new System.Text.StringBuilder(Math.Min(value.Length, max) + 8);
        foreach (var c in value)
        {
            if (text.Length >= max)
            {
                text.Append('…');
                break;
            }

            text.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return text.ToString();
    }
}
