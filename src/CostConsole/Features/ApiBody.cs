using System.Text.Json;

namespace CostConsole.Features;

/// <summary>Reading the API's JSON bodies: size-limited, and every field as text so the validators word their own messages.</summary>
public static class ApiBody
{
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>A field as text: strings as they are, numbers as written, so "abc" and 1e400 reach the validator's messages.</summary>
    public static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Null => null,
            _ => value.GetRawText(),
        } : null;

    public static int? Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    public static bool Bool(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    public static async Task<(JsonDocument? Body, string? Problem)> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var text = await ReadTextAsync(context.Request.Body, MaxBodyBytes, cancellationToken);
        if (text is null) return (null, $"The body is larger than {MaxBodyBytes / 1024} KB.");
        try
        {
            var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind == JsonValueKind.Object) return (document, null);
            document.Dispose();
            return (null, "The body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            return (null, $"The body is not valid JSON (line {(ex.LineNumber ?? 0) + 1}).");
        }
    }

    public static async Task<string?> ReadTextAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
