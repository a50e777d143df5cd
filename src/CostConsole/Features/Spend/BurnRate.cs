using CostConsole.Features.Metrics;
using CostConsole.Prometheus;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Spend;

/// <summary>
/// The burn rate right now: USD per hour at the token rate of the last hour (Prometheus <c>rate()</c>, priced at the
/// prices in force now) and the cost of the open hour so far. Either part says why when it cannot be had.
/// </summary>
public sealed record BurnReading(
    DateTimeOffset At,
    decimal? UsdPerHour,
    string? RateProblem,
    decimal? OpenHourUsd,
    DateTimeOffset OpenHourFrom,
    string? OpenHourProblem,
    long UnpricedTokensPerHour);

/// <summary>The burn rate as the live panel reads it.</summary>
public interface IBurnReadings
{
    Task<BurnReading> ReadAsync(CancellationToken cancellationToken = default);
}

/// <summary>Reads the burn rate; one reading is shared by every page for half a minute.</summary>
public sealed class BurnRate(
    PrometheusClient client,
    ISpendViews views,
    IPriceSource prices,
    IOptions<PrometheusOptions> prometheusOptions,
    TimeProvider time,
    ILogger<BurnRate> logger) : IBurnReadings
{
    private readonly SharedReading<BurnReading> _shared = new(time, TimeSpan.FromSeconds(30), reading => reading.At);

    public Task<BurnReading> ReadAsync(CancellationToken cancellationToken = default) => _shared.GetAsync(MeasureAsync, cancellationToken: cancellationToken);

    private async Task<BurnReading> MeasureAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var openHour = RangeWindow.Floor(now, TimeSpan.FromHours(1));
        var profile = prometheusOptions.Value.ActiveProfile();

        decimal? openHourUsd = null;
        string? openProblem = null;
        var open = await views.GetAsync(new SpendRequest(openHour, openHour.AddHours(1), []), cancellationToken);
        if (open.Incomplete)
        {
            openProblem = open.Warnings.FirstOrDefault(w => w.Contains("missing, not zero", StringComparison.Ordinal)) ?? "Prometheus did not answer for the open hour.";
        }
        else
        {
            openHourUsd = open.Totals.CostUsd;
        }

        decimal? perHour = null;
        string? rateProblem = null;
        long unpriced = 0;
        try
        {
            // By every label the model may come from: the profile picks the first one filled, as the ledger does.
            var byLabels = string.Join(", ", profile.LabelsOf("model").Select(l => PromQl.IsClassicLabelName(l) ? l : PromQl.Quote(l)));
            var tokens = new Dictionary<string, TokenCounts>(StringComparer.Ordinal);
            foreach (var (type, metric, name) in profile.Tokens.SelectMany(t => t.Value.Names.Select(name => (t.Key, t.Value, name))))
            {
                var selector = PromQl.Selector(name, metric.Matchers.Select(m => LabelMatcher.Equal(m.Key, m.Value)));
                var answer = await client.QueryAsync($"sum by ({byLabels}) (rate({selector}[1h])) * 3600", now, cancellationToken);
                if (!answer.IsComplete)
                {
                    throw new IncompleteRateException(string.Join("; ", answer.Warnings));
                }

                foreach (var series in answer.Data.Series)
                {
                    var model = profile.Resolve(series.Labels, "model");
                    var perHourTokens = (long)Math.Round(series.Samples.LastOrDefault().Value);
                    var counts = type switch
                    {
                        TokenType.Input => new TokenCounts(perHourTokens, 0, 0, 0),
                        TokenType.CachedInput => new TokenCounts(0, perHourTokens, 0, 0),
                        TokenType.CacheWrite => new TokenCounts(0, 0, perHourTokens, 0),
                        TokenType.CacheWrite1h => new TokenCounts(0, 0, 0, 0, CacheWrite1h: perHourTokens),
                        TokenType.Reasoning => new TokenCounts(0, 0, 0, 0, Reasoning: perHourTokens),
                        _ => new TokenCounts(0, 0, 0, perHourTokens),
                    };
                    tokens[model] = tokens.GetValueOrDefault(model) + counts;
                }
            }

            var book = await prices.LoadAsync(cancellationToken);
            decimal sum = 0;
            foreach (var (model, counts) in tokens)
            {
                var cost = CostFormula.CostAt(book, model, now, counts, profile.InputIncludes);
                if (cost.Priced) sum += cost.CostUsd;
                else unpriced += counts.Billable(profile.InputIncludes);
            }

            perHour = sum;
            if (tokens.Count == 0)
            {
                (perHour, rateProblem) = (null, "Prometheus has no token samples in the last hour: nothing is being counted, or the exporters are down.");
            }
        }
        catch (Exception ex) when (ex is PrometheusException or IncompleteRateException)
        {
            logger.LogWarning("Burn rate unavailable: {Error}", ex.Message);
            rateProblem = ex is IncompleteRateException ? $"Prometheus answered only in part ({ex.Message})." : ex.Message;
        }

        return new BurnReading(now, perHour, rateProblem, openHourUsd, openHour, openProblem, unpriced);
    }

    private sealed class IncompleteRateException(string message) : Exception(message);
}
