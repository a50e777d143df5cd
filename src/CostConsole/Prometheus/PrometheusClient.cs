using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace CostConsole.Prometheus;

/// <summary>
/// A typed client for the Prometheus HTTP API (also spoken by Thanos, Mimir and VictoriaMetrics).
/// Queries go as POST forms; every answer's envelope is read for status, errorType, warnings and infos.
/// One instance serves the whole app: each call takes a client from the factory (whose handlers rotate), so the
/// services that read Prometheus take this class in their constructor like any other dependency.
/// </summary>
public sealed class PrometheusClient(IHttpClientFactory httpClients, IOptions<PrometheusOptions> options, ILogger<PrometheusClient> logger)
{
    /// <summary>The named HTTP client's name (its settings are in <see cref="PrometheusSetup"/>).</summary>
    public const string HttpClientName = "prometheus";

    private readonly PrometheusOptions _options = options.Value;

    public Uri BaseAddress => new(EnsureTrailingSlash(_options.BaseUrl));

    public Task<PromResponse<PromQueryData>> QueryAsync(string query, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        List<KeyValuePair<string, string>> form = [new("query", query), Timeout()];
        if (at is { } time)
        {
            form.Add(new("time", FormatTime(time)));
        }

        return PostQueryAsync("api/v1/query", form, cancellationToken);
    }

    public Task<PromResponse<PromQueryData>> QueryRangeAsync(string query, RangeWindow window, CancellationToken cancellationToken = default)
    {
        List<KeyValuePair<string, string>> form =
        [
            new("query", query),
            new("start", FormatTime(window.Start)),
            new("end", FormatTime(window.End)),
            new("step", ((long)window.Step.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            Timeout(),
        ];
        return PostQueryAsync("api/v1/query_range", form, cancellationToken);
    }

    public Task<PromResponse<IReadOnlyList<IReadOnlyDictionary<string, string>>>> SeriesAsync(
        IEnumerable<string> matchers, DateTimeOffset? start = null, DateTimeOffset? end = null, CancellationToken cancellationToken = default)
    {
        var form = matchers.Select(m => new KeyValuePair<string, string>("match[]", m)).ToList();
        AddRange(form, start, end);
        return PostAsync("api/v1/series", form, data => (IReadOnlyList<IReadOnlyDictionary<string, string>>)data.EnumerateArray().Select(ReadLabels).ToList(), cancellationToken);
    }

    public Task<PromResponse<IReadOnlyList<string>>> LabelNamesAsync(
        IEnumerable<string>? matchers = null, DateTimeOffset? start = null, DateTimeOffset? end = null, CancellationToken cancellationToken = default)
    {
        var form = (matchers ?? []).Select(m => new KeyValuePair<string, string>("match[]", m)).ToList();
        AddRange(form, start, end);
        return PostAsync("api/v1/labels", form, ReadStrings, cancellationToken);
    }

    public Task<PromResponse<IReadOnlyList<string>>> LabelValuesAsync(
        string label, IEnumerable<string>? matchers = null, DateTimeOffset? start = null, DateTimeOffset? end = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        List<string> query = [.. (matchers ?? []).Select(m => "match[]=" + Uri.EscapeDataString(m))];
        if (start is { } s) query.Add("start=" + FormatTime(s));
        if (end is { } e) query.Add("end=" + FormatTime(e));
        var path = $"api/v1/label/{Uri.EscapeDataString(label)}/values" + (query.Count > 0 ? "?" + string.Join("&", query) : "");
        return GetAsync(path, ReadStrings, cancellationToken);
    }

    public Task<PromResponse<IReadOnlyList<PromRuleGroup>>> RulesAsync(CancellationToken cancellationToken = default) =>
        GetAsync("api/v1/rules", data => (IReadOnlyList<PromRuleGroup>)data.GetProperty("groups").EnumerateArray().Select(ReadRuleGroup).ToList(), cancellationToken);

    public Task<PromResponse<IReadOnlyList<PromAlert>>> AlertsAsync(CancellationToken cancellationToken = default) =>
        GetAsync("api/v1/alerts", data => (IReadOnlyList<PromAlert>)data.GetProperty("alerts").EnumerateArray().Select(ReadAlert).ToList(), cancellationToken);

    public Task<PromResponse<PromBuildInfo>> BuildInfoAsync(CancellationToken cancellationToken = default) =>
        GetAsync("api/v1/status/buildinfo", data => new PromBuildInfo(
            data.GetProperty("version").GetString() ?? "unknown",
            OptionalString(data, "revision"),
            OptionalString(data, "branch"),
            OptionalString(data, "goVersion")), cancellationToken);

    public Task<PromResponse<IReadOnlyDictionary<string, string>>> FlagsAsync(CancellationToken cancellationToken = default) =>
        GetAsync("api/v1/status/flags", data => ReadLabels(data), cancellationToken);

    private KeyValuePair<string, string> Timeout() =>
        new("timeout", ((int)_options.Timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s");

    private static void AddRange(List<KeyValuePair<string, string>> form, DateTimeOffset? start, DateTimeOffset? end)
    {
        if (start is { } s) form.Add(new("start", FormatTime(s)));
        if (end is { } e) form.Add(new("end", FormatTime(e)));
    }

    private Task<PromResponse<T>> PostAsync<T>(string path, List<KeyValuePair<string, string>> form, Func<JsonElement, T> read, CancellationToken cancellationToken) =>
        SendAsync(() => PostRequest(path, form), path, read, streamed: false, cancellationToken);

    /// <summary>A query answer, read as a stream series by series (<see cref="StreamedAnswer"/>).</summary>
    private Task<PromResponse<PromQueryData>> PostQueryAsync(string path, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken) =>
        SendAsync(() => PostRequest(path, form), path, ParseQueryData, streamed: true, cancellationToken);

    private HttpRequestMessage PostRequest(string path, List<KeyValuePair<string, string>> form)
    {
        if (_options.DisallowPartialResponse && !form.Any(f => f.Key == "partial_response"))
        {
            form.Add(new("partial_response", "false"));
        }

        return new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
    }

    private Task<PromResponse<T>> GetAsync<T>(string path, Func<JsonElement, T> read, CancellationToken cancellationToken) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), path, read, streamed: false, cancellationToken);

    private async Task<PromResponse<T>> SendAsync<T>(Func<HttpRequestMessage> createRequest, string path, Func<JsonElement, T> read, bool streamed, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        using var request = createRequest();
        request.RequestUri = new Uri(BaseAddress, path);
        try
        {
            PrometheusConnection.Apply(request, _options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PrometheusException(PrometheusFailure.Unauthorized, $"The secret file of Prometheus:Auth cannot be read ({ex.GetType().Name}): check Prometheus:Auth:PasswordFile or BearerTokenFile.", inner: ex);
        }

        HttpResponseMessage response;
        try
        {
            // Headers only: the body is read as a stream below, never buffered whole by the handler.
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PrometheusException(PrometheusFailure.Timeout,
                $"Prometheus at {_options.BaseUrl} did not answer {path} within {_options.TimeoutSeconds} s (Prometheus:TimeoutSeconds).");
        }
        catch (HttpRequestException ex) when (TlsProblem(ex) is { } tls)
        {
            throw new PrometheusException(PrometheusFailure.Unreachable, tls, inner: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new PrometheusException(PrometheusFailure.Unreachable,
                $"Cannot reach Prometheus at {_options.BaseUrl}: {ex.Message} Check Prometheus:BaseUrl and that Prometheus is running.", inner: ex);
        }

        using (response)
        {
            var maxBytes = _options.MaxAnswerMegabytes * 1024L * 1024L;
            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw TooLarge(path, $"{response.Content.Headers.ContentLength / (1024 * 1024):N0} MB, more than {_options.MaxAnswerMegabytes:N0} MB (Prometheus:MaxAnswerMegabytes)");
            }

            try
            {
                await using var body = new CappedStream(await response.Content.ReadAsStreamAsync(timeout.Token), maxBytes);
                var status = (int)response.StatusCode;
                if (response.Content.Headers.ContentType?.MediaType is not "application/json")
                {
                    // Not JSON by its own account (a proxy's page, a wrong URL): read as text for the message.
                    using var text = new StreamReader(body);
                    return ParseEnvelope(path, status, await text.ReadToEndAsync(timeout.Token), read);
                }

                if (streamed)
                {
                    var answer = await StreamedAnswer.ReadAsync(body, _options.MaxAnswerSeries, timeout.Token);
                    return (PromResponse<T>)(object)FromStreamed(path, status, answer);
                }

                using var document = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
                return FromDocument(path, status, document.RootElement, read);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PrometheusException(PrometheusFailure.Timeout,
                    $"Prometheus at {_options.BaseUrl} did not finish answering {path} within {_options.TimeoutSeconds} s.");
            }
            catch (AnswerTooLargeException ex)
            {
                throw TooLarge(path, ex.Message, ex.SeriesRead);
            }
            catch (JsonException ex)
            {
                throw new PrometheusException(PrometheusFailure.Protocol,
                    $"Prometheus answered {path} with malformed or cut-off JSON ({Where(ex)}); nothing of that answer was used.", inner: ex);
            }
            catch (IOException ex)
            {
                throw new PrometheusException(PrometheusFailure.Unreachable,
                    $"Prometheus at {_options.BaseUrl} stopped sending its answer to {path} part-way ({ex.Message}); nothing of that answer was used.", inner: ex);
            }
        }
    }

    private static PrometheusException TooLarge(string path, string what, long seriesRead = 0) =>
        new(PrometheusFailure.TooLarge, $"Prometheus answered {path} with {what}; the answer was abandoned unread. Reads that large are split into smaller ones.") { SeriesRead = seriesRead };

    private static string Where(JsonException ex) =>
        ex.BytePositionInLine is { } position ? $"line {(ex.LineNumber ?? 0) + 1}, byte {position + 1}" : "at the end of the answer";

    private PromResponse<PromQueryData> FromStreamed(string path, int httpStatus, StreamedAnswer.Envelope answer)
    {
        if (answer.Status is null)
        {
            throw new PrometheusException(PrometheusFailure.Protocol,
                $"{_options.BaseUrl} answered {path} with JSON that has no \"status\" field (HTTP {httpStatus}). Is Prometheus:BaseUrl right?");
        }

        IReadOnlyList<string> warnings = answer.Warnings ?? [], infos = answer.Infos ?? [];
        if (answer.Status != "success")
        {
            throw Refused(path, httpStatus, answer.ErrorType, answer.Error);
        }

        if (answer.Data is not { ResultType: { } type } data)
        {
            throw new PrometheusException(PrometheusFailure.Protocol, $"Prometheus answered {path} with success but no data.");
        }

        LogWarnings(path, warnings);
        var result = data.Result ?? [];
        var parsed = type switch
        {
            "vector" or "matrix" when result.All(r => r.Series is not null) => new PromQueryData(type, [.. result.Select(r => r.Series!)]),
            "scalar" when result is [{ Number: { } seconds }, { Text: var value }] =>
                new PromQueryData(type, [], new CounterSample(TimeOf(seconds), ParseValue(value))),
            "string" when result is [_, { Text: var text }] => new PromQueryData(type, [], null, text),
            "vector" or "matrix" or "scalar" or "string" => throw new PrometheusException(PrometheusFailure.Protocol, $"Prometheus answered {path} with a {type} whose result has another shape."),
            _ => throw new PrometheusException(PrometheusFailure.Protocol, $"Unknown resultType '{type}' in a query answer."),
        };
        return new PromResponse<PromQueryData>(parsed, warnings, infos);
    }

    private PrometheusException Refused(string path, int httpStatus, string? errorType, string? error)
    {
        error ??= "no error message";
        var failure = PrometheusException.FromErrorType(errorType, httpStatus);
        logger.LogWarning("Prometheus {Path} failed with {ErrorType} (HTTP {Status}): {Error}", path, errorType, httpStatus, LogText.Safe(error));
        return new PrometheusException(failure, $"Prometheus refused {path}: {error} ({errorType ?? "HTTP " + httpStatus}).", errorType);
    }

    private void LogWarnings(string path, IReadOnlyList<string> warnings)
    {
        if (warnings.Count > 0)
        {
            logger.LogWarning("Prometheus {Path} answered with warnings: {Warnings}", path, LogText.Safe(string.Join("; ", warnings)));
        }
    }

    /// <summary>
    /// What a failed TLS exchange says about the settings: an untrusted certificate (Prometheus:Tls:CaFile), or
    /// Prometheus refusing ours (TLS 1.3 reports a missing client certificate only as an alert on the first read).
    /// Null when the failure was not about TLS.
    /// </summary>
    private string? TlsProblem(HttpRequestException ex)
    {
        var messages = new List<string>();
        for (Exception? inner = ex.InnerException; inner is not null; inner = inner.InnerException) messages.Add(inner.Message);
        bool Says(string text) => messages.Any(m => m.Contains(text, StringComparison.OrdinalIgnoreCase));
        if (Says("alert bad certificate") || Says("certificate required") || Says("alert handshake failure"))
        {
            return $"Prometheus at {_options.BaseUrl} refused this server's TLS client certificate (or its absence): set Prometheus:Tls:CertFile and Prometheus:Tls:KeyFile to a certificate its client CA signed.";
        }

        if (Says("remote certificate"))
        {
            return $"Prometheus at {_options.BaseUrl} presented a certificate this server does not trust ({messages[^1]}). If a private CA signed it, set Prometheus:Tls:CaFile to that CA's PEM file.";
        }

        return ex.HttpRequestError == HttpRequestError.SecureConnectionError
            ? $"The TLS handshake with Prometheus at {_options.BaseUrl} failed ({messages.LastOrDefault() ?? ex.Message}). Check Prometheus:Tls:CaFile, and Prometheus:Tls:CertFile and KeyFile if it asks for a client certificate."
            : null;
    }

    internal PromResponse<T> ParseEnvelope<T>(string path, int httpStatus, string body, Func<JsonElement, T> read)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            if (httpStatus == (int)HttpStatusCode.NotFound)
            {
                throw new PrometheusException(PrometheusFailure.NotFound,
                    $"{_options.BaseUrl} has no {path} (HTTP 404). Does Prometheus:BaseUrl point at the Prometheus API root, including any path prefix?");
            }

            if (httpStatus is (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden)
            {
                var said = body.Length > 80 ? body[..80] + "…" : body;
                throw new PrometheusException(PrometheusFailure.Unauthorized,
                    $"Prometheus at {_options.BaseUrl} refused the call (HTTP {httpStatus}: \"{said.Trim().ReplaceLineEndings(" ")}\"). If Prometheus:BaseUrl is the Prometheus API root, check Prometheus:Auth (Username with Password or PasswordFile, or BearerToken/BearerTokenFile)"
                    + (_options.Headers.Count == 0 ? "; a multi-tenant backend (Mimir, Cortex) also needs Prometheus:Headers:X-Scope-OrgID." : $" and Prometheus:Headers ({string.Join(", ", _options.Headers.Keys)})."));
            }

            if (httpStatus == (int)HttpStatusCode.ServiceUnavailable)
            {
                throw new PrometheusException(PrometheusFailure.Unavailable, $"Prometheus at {_options.BaseUrl} is not ready (HTTP 503).");
            }

            var snippet = body.Length > 120 ? body[..120] + "…" : body;
            throw new PrometheusException(PrometheusFailure.Protocol,
                $"{_options.BaseUrl} answered {path} with HTTP {httpStatus} and something that is not a Prometheus API response: \"{snippet.ReplaceLineEndings(" ")}\". Is Prometheus:BaseUrl right?");
        }

        using (document)
        {
            return FromDocument(path, httpStatus, document.RootElement, read);
        }
    }

    private PromResponse<T> FromDocument<T>(string path, int httpStatus, JsonElement root, Func<JsonElement, T> read)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var status))
        {
            throw new PrometheusException(PrometheusFailure.Protocol,
                $"{_options.BaseUrl} answered {path} with JSON that has no \"status\" field (HTTP {httpStatus}). Is Prometheus:BaseUrl right?");
        }

        var warnings = ReadOptionalStrings(root, "warnings");
        var infos = ReadOptionalStrings(root, "infos");
        if (status.GetString() != "success")
        {
            throw Refused(path, httpStatus, OptionalString(root, "errorType"), OptionalString(root, "error"));
        }

        if (!root.TryGetProperty("data", out var data))
        {
            throw new PrometheusException(PrometheusFailure.Protocol, $"Prometheus answered {path} with success but no data.");
        }

        LogWarnings(path, warnings);
        return new PromResponse<T>(read(data), warnings, infos);
    }

    internal static PromQueryData ParseQueryData(JsonElement data)
    {
        var type = data.GetProperty("resultType").GetString() ?? "";
        var result = data.GetProperty("result");
        return type switch
        {
            "vector" => new PromQueryData(type, [.. result.EnumerateArray().Select(s => new PromSeries(ReadLabels(s.GetProperty("metric")), [ReadSample(s.GetProperty("value"))]))]),
            "matrix" => new PromQueryData(type, [.. result.EnumerateArray().Select(s => new PromSeries(ReadLabels(s.GetProperty("metric")),
                s.TryGetProperty("values", out var values) ? [.. values.EnumerateArray().Select(ReadSample)] : []))]),
            "scalar" => new PromQueryData(type, [], ReadSample(result)),
            "string" => new PromQueryData(type, [], null, result[1].GetString()),
            _ => throw new PrometheusException(PrometheusFailure.Protocol, $"Unknown resultType '{type}' in a query answer."),
        };
    }

    private static CounterSample ReadSample(JsonElement pair) => new(TimeOf(pair[0].GetDouble()), ParseValue(pair[1].GetString()));

    /// <summary>A sample's time as Prometheus writes it: Unix seconds with milliseconds as a fraction.</summary>
    internal static DateTimeOffset TimeOf(double seconds) => DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    internal static double ParseValue(string? text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        null => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static PromRuleGroup ReadRuleGroup(JsonElement group) => new(
        group.GetProperty("name").GetString() ?? "",
        OptionalString(group, "file") ?? "",
        [.. group.GetProperty("rules").EnumerateArray().Select(rule => new PromRule(
            OptionalString(rule, "name") ?? "",
            OptionalString(rule, "type") ?? "",
            OptionalString(rule, "query") ?? "",
            OptionalString(rule, "health"),
            OptionalString(rule, "lastError"),
            OptionalString(rule, "state"),
            rule.TryGetProperty("labels", out var labels) ? ReadLabels(labels) : new Dictionary<string, string>(),
            rule.TryGetProperty("annotations", out var annotations) ? ReadLabels(annotations) : new Dictionary<string, string>(),
            rule.TryGetProperty("alerts", out var alerts) ? [.. alerts.EnumerateArray().Select(ReadAlert)] : []))]);

    private static PromAlert ReadAlert(JsonElement alert) => new(
        alert.TryGetProperty("labels", out var labels) ? ReadLabels(labels) : new Dictionary<string, string>(),
        alert.TryGetProperty("annotations", out var annotations) ? ReadLabels(annotations) : new Dictionary<string, string>(),
        OptionalString(alert, "state") ?? "",
        OptionalString(alert, "activeAt") is { } activeAt && DateTimeOffset.TryParse(activeAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null,
        OptionalString(alert, "value"));

    private static IReadOnlyDictionary<string, string> ReadLabels(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return new Dictionary<string, string>();
        }

        return element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.GetRawText(), StringComparer.Ordinal);
    }

    private static IReadOnlyList<string> ReadStrings(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? [.. element.EnumerateArray().Select(e => e.GetString() ?? "")] : [];

    private static IReadOnlyList<string> ReadOptionalStrings(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? ReadStrings(value) : [];

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static string FormatTime(DateTimeOffset time) =>
        (time.ToUniversalTime().ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static string EnsureTrailingSlash(string url) => url.EndsWith('/') ? url : url + "/";
}
