namespace CostConsole.Prometheus;

/// <summary>How a call to Prometheus failed, in terms a page can explain to a person.</summary>
public enum PrometheusFailure
{
    /// <summary>Connection refused, DNS failure, TLS failure: nothing answered.</summary>
    Unreachable,
    /// <summary>No answer within the configured timeout, or the server's own query timeout.</summary>
    Timeout,
    /// <summary>The server cancelled the query.</summary>
    Canceled,
    /// <summary><c>bad_data</c>: the query or its parameters were refused.</summary>
    BadQuery,
    /// <summary><c>execution</c>: the query was valid but failed to evaluate (for example too many samples).</summary>
    Execution,
    /// <summary><c>unavailable</c> or HTTP 503: the server is up but not ready.</summary>
    Unavailable,
    /// <summary><c>not_found</c> or HTTP 404: the endpoint does not exist on this server.</summary>
    NotFound,
    /// <summary><c>internal</c> or another server error.</summary>
    Internal,
    /// <summary>The answer was not a Prometheus API envelope (wrong URL, a proxy page, ...).</summary>
    Protocol,
    /// <summary>HTTP 401 or 403: credentials or a required header (a tenant) missing or wrong.</summary>
    Unauthorized,
    /// <summary>The answer passed Prometheus:MaxAnswerMegabytes or MaxAnswerSeries and was abandoned: read it in parts.</summary>
    TooLarge,
}

public sealed class PrometheusException(PrometheusFailure failure, string message, string? errorType = null, Exception? inner = null)
    : Exception(message, inner)
{
    public PrometheusFailure Failure { get; } = failure;

    /// <summary>The <c>errorType</c> Prometheus reported, when it reported one.</summary>
    public string? ErrorType { get; } = errorType;

    /// <summary>For <see cref="PrometheusFailure.TooLarge"/>: how many series the answer held when it was abandoned.</summary>
    public long SeriesRead { get; init; }

    internal static PrometheusFailure FromErrorType(string? errorType, int httpStatus) => errorType switch
    {
        "bad_data" => PrometheusFailure.BadQuery,
        "execution" => PrometheusFailure.Execution,
        "timeout" => PrometheusFailure.Timeout,
        "canceled" => PrometheusFailure.Canceled,
        "unavailable" => PrometheusFailure.Unavailable,
        "not_found" => PrometheusFailure.NotFound,
        "internal" => PrometheusFailure.Internal,
        _ => httpStatus switch
        {
            400 => PrometheusFailure.BadQuery,
            404 => PrometheusFailure.NotFound,
            422 => PrometheusFailure.Execution,
            503 => PrometheusFailure.Unavailable,
            _ => PrometheusFailure.Internal,
        },
    };
}
