using System.Text.Json;
using System.Text.Json.Serialization;

namespace CostConsole.Prometheus;

/// <summary>
/// Reads a query answer (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>) straight off the response stream: the
/// serializer fills series one by one, so the body is never held whole — not as bytes, not as a string, not as a
/// <see cref="JsonDocument"/>. Only one series' JSON is buffered at a time. The answer's bytes and series are capped
/// (<see cref="PrometheusOptions.MaxAnswerMegabytes"/>, <see cref="PrometheusOptions.MaxAnswerSeries"/>); an answer
/// over either cap is abandoned as soon as it passes it, with <see cref="PrometheusFailure.TooLarge"/>, so the caller
/// can read it in smaller parts.
/// The envelope is the one documented at https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview
/// (status, data.resultType, data.result, errorType, error, warnings, infos).
/// </summary>
internal static class StreamedAnswer
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = false,
        Converters = { new ResultItemConverter() },
        // A series' labels and its samples come whole in one buffer; the default 16 KB would be regrown many times.
        DefaultBufferSize = 64 * 1024,
    };

    /// <summary>Series read so far in the answer being parsed on this flow; the serializer calls converters inline.</summary>
    private static readonly AsyncLocal<SeriesBudget?> Budget = new();

    internal static async Task<Envelope> ReadAsync(Stream body, long maxSeries, CancellationToken cancellationToken)
    {
        var budget = new SeriesBudget(maxSeries);
        Budget.Value = budget;
        try
        {
            return await JsonSerializer.DeserializeAsync<Envelope>(body, Json, cancellationToken)
                ?? throw new JsonException("The answer is the JSON literal null.");
        }
        catch (AnswerTooLargeException ex)
        {
            ex.SeriesRead = budget.Count;
            throw;
        }
        finally
        {
            Budget.Value = null;
        }
    }

    internal sealed class SeriesBudget(long max)
    {
        public long Count { get; private set; }

        public void Take()
        {
            if (++Count > max)
            {
                throw new AnswerTooLargeException($"more than {max:N0} series (Prometheus:MaxAnswerSeries)");
            }
        }
    }

    internal sealed class Envelope
    {
        [JsonPropertyName("status")] public string? Status { get; set; }
        [JsonPropertyName("data")] public QueryData? Data { get; set; }
        [JsonPropertyName("errorType")] public string? ErrorType { get; set; }
        [JsonPropertyName("error")] public string? Error { get; set; }
        [JsonPropertyName("warnings")] public List<string>? Warnings { get; set; }
        [JsonPropertyName("infos")] public List<string>? Infos { get; set; }
    }

    internal sealed class QueryData
    {
        [JsonPropertyName("resultType")] public string? ResultType { get; set; }
        [JsonPropertyName("result")] public List<ResultItem>? Result { get; set; }
    }

    /// <summary>
    /// One element of <c>data.result</c>: a series (vector or matrix), or — for a scalar or string answer, whose result
    /// is the pair <c>[time, "value"]</c> — that pair's number or string.
    /// </summary>
    internal sealed class ResultItem
    {
        public PromSeries? Series { get; init; }
        public double? Number { get; init; }
        public string? Text { get; init; }
    }

    /// <summary>
    /// Reads one result element. A custom converter is handed the element whole; the list around it is read by the
    /// serializer's own (resumable) collection converter, which is what keeps the body from being buffered whole.
    /// </summary>
    private sealed class ResultItemConverter : JsonConverter<ResultItem>
    {
        public override ResultItem Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    return new ResultItem { Number = reader.GetDouble() };
                case JsonTokenType.String:
                    return new ResultItem { Text = reader.GetString() };
                case JsonTokenType.StartObject:
                    Budget.Value?.Take();
                    return new ResultItem { Series = ReadSeries(ref reader) };
                default:
                    throw new JsonException($"A result element is a {reader.TokenType}, not a series.");
            }
        }

        public override void Write(Utf8JsonWriter writer, ResultItem value, JsonSerializerOptions options) =>
            throw new NotSupportedException("Answers are only read.");

        private static PromSeries ReadSeries(ref Utf8JsonReader reader)
        {
            Dictionary<string, string> labels = new(StringComparer.Ordinal);
            List<CounterSample> samples = [];
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var property = reader.GetString();
                reader.Read();
                switch (property)
                {
                    case "metric":
                        Expect(ref reader, JsonTokenType.StartObject, "metric");
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                        {
                            var name = reader.GetString()!;
                            reader.Read();
                            Expect(ref reader, JsonTokenType.String, "label value");
                            labels[name] = reader.GetString()!;
                        }

                        break;
                    case "value":
                        samples.Add(ReadSample(ref reader));
                        break;
                    case "values":
                        Expect(ref reader, JsonTokenType.StartArray, "values");
                        if (samples.Capacity == 0) samples.Capacity = 64;
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            samples.Add(ReadSample(ref reader));
                        }

                        break;
                    default:
                        // Native histograms ("histogram", "histograms") and anything newer: not token counters.
                        reader.Skip();
                        break;
                }
            }

            return new PromSeries(labels, samples);
        }

        private static CounterSample ReadSample(ref Utf8JsonReader reader)
        {
            Expect(ref reader, JsonTokenType.StartArray, "sample");
            reader.Read();
            Expect(ref reader, JsonTokenType.Number, "sample's time");
            var seconds = reader.GetDouble();
            reader.Read();
            Expect(ref reader, JsonTokenType.String, "sample's value");
            var text = reader.GetString();
            var value = text is "NaN" or "+Inf" or "Inf" or "-Inf"
                ? PrometheusClient.ParseValue(text)
                : double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
                    ? number
                    : throw new JsonException($"A sample's value is not a number (it starts \"{text?[..Math.Min(text.Length, 20)]}\").");
            reader.Read();
            Expect(ref reader, JsonTokenType.EndArray, "sample");
            return new CounterSample(PrometheusClient.TimeOf(seconds), value);
        }

        private static void Expect(ref Utf8JsonReader reader, JsonTokenType token, string what)
        {
            if (reader.TokenType != token)
            {
                throw new JsonException($"A {what} is a {reader.TokenType} where a {token} was expected.");
            }
        }
    }
}

/// <summary>An answer passed one of the caps on its size while it was read.</summary>
internal sealed class AnswerTooLargeException(string what) : Exception(what)
{
    /// <summary>Series read before the cap was passed: how much of the answer fits.</summary>
    public long SeriesRead { get; set; }
}

/// <summary>
/// Passes a response body through while counting its bytes; past the cap it stops reading and throws, so an answer
/// too large to hold is abandoned before it is held.
/// </summary>
internal sealed class CappedStream(Stream inner, long maxBytes) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        BytesRead += read;
        if (BytesRead > maxBytes)
        {
            throw new AnswerTooLargeException($"more than {maxBytes / (1024 * 1024):N0} MB (Prometheus:MaxAnswerMegabytes)");
        }

        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
