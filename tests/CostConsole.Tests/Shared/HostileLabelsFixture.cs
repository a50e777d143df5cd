using System.Globalization;
using System.Text;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A real Prometheus whose token counters carry hostile label values in every dimension: markup that runs script if
/// written as HTML, a template, a spreadsheet formula, a Unicode line separator and a 10 KB string. Three hours of
/// samples, one a minute, from <see cref="Start"/>.
/// </summary>
public sealed class HostileLabelsFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset End = Start.AddHours(3);

    public static readonly string[] Payloads =
    [
        "<img src=x onerror=window.__pwned=1>",
        "\"><svg onload=window.__pwned=1>",
        "</script><script>window.__pwned=1</script>",
        "{{7*7}}",
        "=cmd|' /C calc'!A0",
        "ops;=1+1",
        "line\u2028break",
        "long-" + new string('x', 10_240),
    ];

    public PrometheusServer Prometheus { get; private set; } = null!;

    /// <summary>Series i: feature Payloads[i], model i+1, team i+2, provider i+3 (wrapping), so every value is in every dimension.</summary>
    public static IEnumerable<(string Feature, string Model, string Team, string Provider)> Series =>
        Payloads.Select((_, i) => (Payloads[i], Payloads[(i + 1) % Payloads.Length], Payloads[(i + 2) % Payloads.Length], Payloads[(i + 3) % Payloads.Length]));

    public const long InputPerMinute = 1_000;
    public const long OutputPerMinute = 200;

    public async Task InitializeAsync() => Prometheus = await PrometheusServer.StartAsync(openMetrics: OpenMetrics());

    private static string OpenMetrics()
    {
        var text = new StringBuilder();
        foreach (var (family, perMinute) in new[] { ("gen_ai_client_token_usage_input", InputPerMinute), ("gen_ai_client_token_usage_output", OutputPerMinute) })
        {
            text.Append("# TYPE ").Append(family).Append(" counter\n");
            foreach (var (feature, model, team, provider) in Series)
            {
                var labels = $"feature=\"{Escape(feature)}\",gen_ai_request_model=\"{Escape(model)}\",team=\"{Escape(team)}\",gen_ai_provider_name=\"{Escape(provider)}\",gen_ai_operation_name=\"chat\",instance=\"app-1\",job=\"llm-app\"";
                for (var minute = 0; minute <= (End - Start).TotalMinutes; minute++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{family}_total{{{labels}}} {perMinute * (minute + 1)} {Start.AddMinutes(minute).ToUnixTimeSeconds()}\n");
                }
            }
        }

        return text.Append("# EOF\n").ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    public async Task DisposeAsync()
    {
        if (Prometheus is not null) await Prometheus.DisposeAsync();
    }
}
