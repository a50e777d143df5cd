using System.Globalization;
using System.Text;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Restart signals in a real Prometheus: a series that comes back after a gap while nothing says whether its target
/// restarted is read without a reset, its hour flagged, the spend warning and the Sources page say so.
/// </summary>
public sealed class RestartSignalTests
{
    [Fact]
    public async Task A_gap_no_signal_explains_is_read_conservatively_flagged_and_shown()
    {
        var now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero).AddHours(-1);
        var text = new StringBuilder("# TYPE gen_ai_client_token_usage_input counter\n");
        // Target a: a sample a minute from 30 minutes before the hour, +10 a minute; nothing from minute 11 to 19 of the
        // hour (no up, no start time, no instance id: a failed scrape and a restart look the same); back at 250 at minute
        // 20 and +1 a minute after, until two minutes ago.
        long At(DateTimeOffset t) => t.ToUnixTimeSeconds();
        var minutes = Enumerable.Range(-30, 41).Select(m => (T: hour.AddMinutes(m), V: 100 + (m + 30) * 10L))
            .Concat(Enumerable.Range(20, (int)(now.AddMinutes(-2) - hour).TotalMinutes - 19).Select(m => (T: hour.AddMinutes(m), V: 600 + (m - 20L))))
            .ToList();
        foreach (var (t, v) in minutes)
        {
            text.Append(CultureInfo.InvariantCulture, $"gen_ai_client_token_usage_input_total{{job=\"app\",instance=\"a:9464\",gen_ai_request_model=\"m\"}} {v} {At(t)}\n");
        }

        // Target b: steady, and its target_info carries a service_instance_id (a reliable signal).
        for (var m = -30; m <= (int)(now.AddMinutes(-2) - hour).TotalMinutes; m++)
        {
            text.Append(CultureInfo.InvariantCulture, $"gen_ai_client_token_usage_input_total{{job=\"app\",instance=\"b:9464\",gen_ai_request_model=\"m\"}} {m + 31} {At(hour.AddMinutes(m))}\n");
        }

        text.Append("# TYPE target_info gauge\n");
        for (var m = -30; m <= (int)(now.AddMinutes(-2) - hour).TotalMinutes; m++)
        {
            text.Append(CultureInfo.InvariantCulture, $"target_info{{job=\"app\",instance=\"b:9464\",service_instance_id=\"p1\"}} 1 {At(hour.AddMinutes(m))}\n");
        }

        text.Append("# EOF\n");
        await using var prometheus = await PrometheusServer.StartAsync(openMetrics: text.ToString());
        using var app = new AppFactory(prometheus.BaseUrl, new Dictionary<string, string?> { ["Ledger:BackfillFrom"] = hour.AddHours(-1).ToString("O", CultureInfo.InvariantCulture) });
        await app.Services.GetRequiredService<LedgerIngestor>().SyncAsync(hour.AddHours(1));

        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync())
        {
            var flagged = await db.LedgerHours.AsNoTracking().OrderBy(h => h.HourUnix).Select(h => new { h.HourUnix, h.AmbiguousSeries }).ToListAsync();
            Assert.Equal([(hour.AddHours(-1).ToUnixTimeSeconds(), 0), (hour.ToUnixTimeSeconds(), 1)], flagged.Select(f => (f.HourUnix, f.AmbiguousSeries)));

            // Read without a reset, each series adds its last value in the hour less its last value before it (a: 600
            // after 500 counts +100, not 600).
            long Delta(IEnumerable<(DateTimeOffset T, long V)> samples) =>
                samples.Last(s => s.T < hour.AddHours(1)).V - samples.Last(s => s.T < hour).V;
            var b = Enumerable.Range(-30, 200).Select(m => (T: hour.AddMinutes(m), V: m + 31L)).Where(s => s.T <= now.AddMinutes(-2));
            var tokens = await db.LedgerRows().Where(e => e.HourUnix == hour.ToUnixTimeSeconds()).SumAsync(e => e.Tokens);
            Assert.Equal(Delta(minutes) + Delta(b), tokens);
            Assert.True(Delta(minutes) < minutes.Last(s => s.T < hour.AddHours(1)).V, "the conservative reading counts less than a reset would");
        }

        var spend = await app.Services.GetRequiredService<SpendQuery>().RunAsync(new SpendRequest(hour.AddHours(-1), hour.AddHours(1), []));
        Assert.Contains(spend.Warnings, w => w.StartsWith("1 hour of this window had counters that came back after a gap while their target was down", StringComparison.Ordinal));

        var client = await app.SignedInAsync(Roles.Engineer);
        var page = await client.GetStringAsync("/sources");
        Assert.Contains("data-testid=\"restart-signals\"", page);
        Assert.Contains("1 of 2 targets exposing token counters have no reliable restart signal", page);
    }
}
