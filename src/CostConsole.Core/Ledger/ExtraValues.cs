using System.Text.Json;

namespace CostConsole.Core.Ledger;

/// <summary>
/// A series' extra dimensions as one ledger column: a JSON object with the names in order (so equal sets encode
/// equally and SQL can group by it), "" when the profile has none. Values are data: JSON escapes every character.
/// </summary>
public static class ExtraValues
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public static string Encode(IReadOnlyDictionary<string, string> values) =>
        values.Count == 0 ? "" : JsonSerializer.Serialize(new SortedDictionary<string, string>(values.ToDictionary(v => v.Key, v => v.Value), StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, string> Decode(string encoded)
    {
        if (encoded.Length == 0) return None;
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(encoded) ?? None;
        }
        catch (JsonException)
        {
            return None;
        }
    }
}
