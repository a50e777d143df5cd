using System.Text.Json;
using System.Text.Json.Serialization;

namespace CostConsole.Features;

/// <summary>
/// Reading the API's JSON bodies into their request records: size-limited, and leniently, so the validators word
/// their own messages: a text field takes a string, a number as written or a literal ("abc" and 1e400 both reach the
/// price validator), a whole-number field that is not one reads as absent, a flag is on only when it is <c>true</c>.
/// </summary>
public static class ApiBody
{
    private const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonSerializerOptions RequestOptions = new(JsonSerializerDefaults.Web)
    {
        MaxDepth = 8,
        Converters = { new LenientText(), new LenientWholeNumber(), new LenientFlag() },
    };

    /// <summary>The body as <typeparamref name="T"/>, or the problem that stops it being read (too large, not JSON, not an object).</summary>
    public static async Task<(T? Body, string? Problem)> ReadAsync<T>(HttpContext context, CancellationToken cancellationToken) where T : class
    {
        var (document, problem) = await ReadBodyAsync(context, cancellationToken);
        if (document is null) return (null, problem);
        using (document)
        {
            return (document.RootElement.Deserialize<T>(RequestOptions), null);
        }
    }

    private static string RawText(ref Utf8JsonReader reader)
    {
        using var value = JsonDocument.ParseValue(ref reader);
        return value.RootElement.GetRawText();
    }

    private sealed class LenientText : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Null => null,
                _ => RawText(ref reader),
            };

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    private sealed class LenientWholeNumber : JsonConverter<int?>
    {
        public override bool HandleNull => true;

        public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number)) return number;
            _ = RawText(ref reader);
            return null;
        }

        public override void Write(Utf8JsonWriter writer, int? value, JsonSerializerOptions options)
        {
            if (value is { } number) writer.WriteNumberValue(number);
            else writer.WriteNullValue();
        }
    }

    private sealed class LenientFlag : JsonConverter<bool>
    {
        public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.True) return true;
            _ = RawText(ref reader);
            return false;
        }

        public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => writer.WriteBooleanValue(value);
    }

    private static async Task<(JsonDocument? Body, string? Problem)> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
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
