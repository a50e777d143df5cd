using System.Globalization;
using System.Text;

namespace CostConsole.Tests.Shared;

/// <summary>
/// OpenMetrics text of counters that grow by a fixed amount every 10 minutes from <c>start</c> for <c>hours</c> hours,
/// each sample a minute before its step ends, with a baseline sample 10 minutes before <c>start</c>: every hour adds
/// exactly 6 × the step, which is the ground truth the tests compute.
/// </summary>
public static class CounterFixture
{
    /// <param name="series">Per series: the metric family (without _total), its labels as written, the growth per step.</param>
    public static string Write(DateTimeOffset start, int hours, IEnumerable<(string Family, string Labels, long PerStep)> series, long baseline = 0)
    {
        var text = new StringBuilder();
        foreach (var family in series.GroupBy(s => s.Family))
        {
            text.Append(CultureInfo.InvariantCulture, $"# TYPE {family.Key} counter\n");
            foreach (var (_, labels, perStep) in family)
            {
                text.Append(CultureInfo.InvariantCulture, $"{family.Key}_total{{{labels}}} {baseline} {start.AddMinutes(-10).ToUnixTimeSeconds()}\n");
                for (var i = 1; i <= hours * 6; i++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{family.Key}_total{{{labels}}} {baseline + perStep * i} {start.AddMinutes(i * 10 - 1).ToUnixTimeSeconds()}\n");
                }
            }
        }

        return text.Append("# EOF\n").ToString();
    }
}
