using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using CostConsole.Data;
using CostConsole.Features.Digests;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Spend;
using CostConsole.Features.Teams;
using Hangfire;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Benchmarks;

/// <summary>
/// Composes and sends the digests of N subscriptions through the app's own path: one Hangfire recurring job per
/// subscription, each triggered once, composed from the ledger and mailed over SMTP. Times the send phase and samples
/// the process' working set during it. Settings (Prometheus, SMTP, ledger window) come from the environment.
/// </summary>
internal static class DigestBenchmark
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["year", ..]) return await YearOfLedger.RunAsync(args);

        var count = int.Parse(Environment.GetEnvironmentVariable("BENCH_SUBSCRIPTIONS") ?? "500", CultureInfo.InvariantCulture);
        var end = DateTimeOffset.Parse(Environment.GetEnvironmentVariable("BENCH_END") ?? throw new InvalidOperationException("BENCH_END is not set"), CultureInfo.InvariantCulture);
        var state = Environment.GetEnvironmentVariable("BENCH_STATE") ?? Path.GetTempPath();

        await using var app = new BenchmarkApp(Path.Combine(state, "digests.db"));
        var services = app.Services;
        var setup = Stopwatch.StartNew();
        await services.GetRequiredService<LedgerIngestor>().SyncAsync(end);
        var teamNames = (await services.GetRequiredService<SpendQuery>().RunAsync(new SpendRequest(end.AddDays(-3), end, [SpendDimension.Team])))
            .Rows.Select(r => r.Keys[0]).Where(t => t.Length > 0).ToList();
        Dictionary<string, int> teams;
        await using (var scope = services.CreateAsyncScope())
        {
            var admin = scope.ServiceProvider.GetRequiredService<TeamAdministration>();
            foreach (var name in teamNames) await admin.CreateAsync(name);
            teams = (await admin.ListAsync()).ToDictionary(t => t.Name, t => t.Id);
        }

        // Managers subscribe to their team's digest, one Finance user in ten to the org's, in zones around the world.
        var zones = SpendPeriods.CommonZones;
        var subscriptions = services.GetRequiredService<DigestSubscriptions>();
        for (var i = 0; i < count; i++)
        {
            var finance = i % 10 == 9;
            var email = $"bench-{i:D4}@example.test";
            await using var scope = services.CreateAsyncScope();
            var created = await scope.ServiceProvider.GetRequiredService<UserAdministration>().CreateAsync(email, finance ? Roles.Finance : Roles.Manager, "benchmark password 1234");
            if (!created.Succeeded) throw new InvalidOperationException(string.Join(" ", created.Errors));
            var team = teamNames[i % teamNames.Count];
            if (!finance) await scope.ServiceProvider.GetRequiredService<TeamAdministration>().AddManagerAsync(teams[team], email);
            await using var db = await services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>().CreateDbContextAsync();
            var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
            var principal = new ClaimsPrincipal(new ClaimsIdentity([new(ClaimTypes.NameIdentifier, userId), new(ClaimTypes.Name, email), new(ClaimTypes.Role, finance ? Roles.Finance : Roles.Manager)], "benchmark"));
            var draft = new SubscriptionDraft(finance ? "org" : teams[team].ToString(CultureInfo.InvariantCulture), "08:00", zones[i % zones.Count], "everyday");
            var change = await subscriptions.CreateAsync(principal, draft);
            if (!change.Saved) throw new InvalidOperationException(string.Join(" ", change.Errors));
        }

        Console.WriteLine($"Set up {count} subscriptions over {teamNames.Count} teams in {setup.Elapsed.TotalSeconds:0.0} s");

        // The measured phase: trigger every job and wait until each digest is delivered (or has failed).
        var process = Process.GetCurrentProcess();
        GC.Collect();
        process.Refresh();
        var before = process.WorkingSet64;
        long peak = before;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                try { await Task.Delay(50, sampling.Token); } catch (OperationCanceledException) { }
            }
        });

        var recurring = services.GetRequiredService<IRecurringJobManager>();
        var dbFactory = services.GetRequiredService<IDbContextFactory<CostConsoleDbContext>>();
        var clock = Stopwatch.StartNew();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            foreach (var id in await db.DigestSubscriptions.Select(s => s.Id).ToListAsync()) recurring.Trigger($"digest-{id}");
        }

        int done, sent;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            done = await db.DigestDeliveries.CountAsync(d => d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Failed);
            sent = await db.DigestDeliveries.CountAsync(d => d.Status == DeliveryStatus.Sent);
            if (done >= count || clock.Elapsed > TimeSpan.FromMinutes(30)) break;
            await Task.Delay(100);
        }

        var elapsed = clock.Elapsed;
        sampling.Cancel();
        await sampler;
        Console.WriteLine($"Digests: {sent} sent, {done - sent} failed, of {count}, in {elapsed.TotalSeconds:0.00} s ({count / elapsed.TotalSeconds:0.0} a second; {elapsed.TotalMilliseconds / count:0.0} ms each on {Environment.ProcessorCount} cores)");
        Console.WriteLine($"Working set: {before / 1048576.0:0} MB before, peak {peak / 1048576.0:0} MB during the sends (+{(peak - before) / 1048576.0:0} MB); {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1048576.0:0} MB allocated");
        return sent == count ? 0 : 1;
    }
}

/// <summary>The app in process, configured from the environment like the real one, with Hangfire's worker on.</summary>
internal sealed class BenchmarkApp(string database) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(AppContext.BaseDirectory);
        builder.UseEnvironment("Benchmark");
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:CostConsole"] = $"Data Source={database}",
            ["Ledger:Enabled"] = "false",
            ["Budgets:CheckMinutes"] = "0",
            ["Digests:Worker"] = "true",
            ["Digests:PollSeconds"] = "1",
            ["Logging:LogLevel:Default"] = "Warning",
        }).AddEnvironmentVariables());
    }
}
