using System.Net;
using System.Net.Sockets;
using CostConsole.Data;
using CostConsole.Features.Identity;
using CostConsole.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostConsole.Tests.Integration;

/// <summary>
/// Sign-in that cannot be turned against users, on a real Kestrel port with clients from two loopback addresses
/// (127.0.0.1 and 127.0.0.2): a stranger's run of guesses is throttled before it can lock the account, and an unknown
/// email, a wrong password, a locked and a disabled account get the same answer after the same work.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class SignInAbuseTests(HistoryFixture fixture)
{
    /// <summary>Counts password checks, the work that makes a sign-in answer slow: the same count means the same timing.</summary>
    private sealed class CountingHasher : IPasswordHasher<AppUser>
    {
        private readonly PasswordHasher<AppUser> _inner = new();
        private int _verifications;

        public int Verifications => Volatile.Read(ref _verifications);

        public string HashPassword(AppUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(AppUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    private (AppFactory App, string BaseUrl) StartOnKestrel(IDictionary<string, string?>? settings = null, CountingHasher? hasher = null)
    {
        var port = PrometheusServer.FreePort();
        var app = new AppFactory(fixture.Prometheus.BaseUrl, settings) { Replace = hasher is null ? null : services => services.AddSingleton<IPasswordHasher<AppUser>>(hasher) };
        app.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        app.StartServer();
        return (app, $"http://127.0.0.1:{port}");
    }

    /// <summary>A browser-like client whose connections come from <paramref name="source"/> (any 127.x address is this machine).</summary>
    private static HttpClient ClientFrom(string baseUrl, string source) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = true,
        CookieContainer = new CookieContainer(),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    }) { BaseAddress = new Uri(baseUrl) };

    private static async Task<string> AnswerAsync(HttpClient client, string email, string password)
    {
        using var response = await AppFactory.SignInAsync(client, email, password);
        return response.Headers.Location?.OriginalString ?? $"{(int)response.StatusCode}";
    }

    [Fact]
    public async Task A_strangers_run_of_guesses_is_throttled_before_it_locks_the_account_and_the_owner_still_signs_in()
    {
        var (app, baseUrl) = StartOnKestrel();
        using var _ = app;
        var owner = await app.CreateUserAsync(Roles.Admin);
        using var stranger = ClientFrom(baseUrl, "127.0.0.2");

        List<string> answers = [];
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await AnswerAsync(stranger, owner, $"guess number {i}"));
        }

        // Security:SignInAttemptsPerAccount (3) guesses are checked; the rest are turned away unchecked.
        Assert.All(answers.Take(3), a => Assert.Contains("error=invalid", a));
        Assert.All(answers.Skip(3), a => Assert.Contains("error=throttled", a));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(owner);
            Assert.Equal(3, user!.AccessFailedCount);
            Assert.Null(user.LockoutEnd);
        }

        using var own = ClientFrom(baseUrl, "127.0.0.1");
        Assert.Equal("/", await AnswerAsync(own, owner, AppFactory.Password));
        Assert.Equal(HttpStatusCode.OK, (await own.GetAsync("/admin/users")).StatusCode);
    }

    [Fact]
    public async Task An_address_spraying_many_accounts_is_throttled_by_the_rate_limiter()
    {
        var (app, baseUrl) = StartOnKestrel(new Dictionary<string, string?> { ["Security:SignInAttemptsPerAddress"] = "5" });
        using var _ = app;
        using var sprayer = ClientFrom(baseUrl, "127.0.0.3");

        List<string> answers = [];
        for (var i = 0; i < 7; i++)
        {
            answers.Add(await AnswerAsync(sprayer, $"someone{i}@example.test", "Winter2026!"));
        }

        Assert.All(answers.Take(5), a => Assert.Contains("error=invalid", a));
        Assert.All(answers.Skip(5), a => Assert.Equal("/account/login?error=throttled", a));
        var page = await sprayer.GetStringAsync("/account/login?error=throttled");
        Assert.Contains("Too many sign-in attempts from your address", page);
        // Another address is not affected.
        using var other = ClientFrom(baseUrl, "127.0.0.4");
        Assert.Contains("error=invalid", await AnswerAsync(other, "someone0@example.test", "Winter2026!"));
    }

    [Fact]
    public async Task Unknown_wrong_locked_and_disabled_get_the_same_answer_after_the_same_work()
    {
        var hasher = new CountingHasher();
        var (app, baseUrl) = StartOnKestrel(hasher: hasher);
        using var _ = app;
        var wrong = await app.CreateUserAsync(Roles.Finance);
        var locked = await app.CreateUserAsync(Roles.Finance);
        var disabled = await app.CreateUserAsync(Roles.Finance);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = await users.FindByEmailAsync(locked);
            await users.SetLockoutEndDateAsync(user!, DateTimeOffset.UtcNow.AddMinutes(15));
            var off = await users.FindByEmailAsync(disabled);
            off!.Enabled = false;
            await users.UpdateAsync(off);
        }

        Dictionary<string, (string Answer, int Checks)> seen = [];
        var source = 10;
        foreach (var (name, email) in new[] { ("unknown", "nobody-here@example.test"), ("wrong", wrong), ("locked", locked), ("disabled", disabled) })
        {
            using var client = ClientFrom(baseUrl, $"127.0.0.{source++}");
            var before = hasher.Verifications;
            // The right password for the locked and disabled accounts: still the same answer.
            var answer = await AnswerAsync(client, email, name == "wrong" ? "not the password" : AppFactory.Password);
            seen[name] = (answer, hasher.Verifications - before);
        }

        Assert.Single(seen.Values.Select(v => v.Answer).Distinct());
        Assert.Contains("error=invalid", seen["unknown"].Answer);
        Assert.All(seen, s => Assert.True(s.Value.Checks == 1, $"{s.Key}: {s.Value.Checks} password checks"));
    }
}
