using Bunit;
using CostConsole.Features.Digests;

namespace CostConsole.Tests.Components;

/// <summary>The digest subscription form: what it offers each role, its own checks, and what it hands on.</summary>
public sealed class SubscriptionFormTests : ComponentTestBase
{
    private static readonly SubscriptionScopes ManagerOfTwo = new(new Dictionary<int, string> { [4] = "growth", [7] = "search" }, MayOrg: false);

    private readonly List<(SubscriptionDraft Draft, bool Paused)> _saved = [];

    public override Task InitializeAsync()
    {
        Render<MudBlazor.MudPopoverProvider>();
        return Task.CompletedTask;
    }

    private IRenderedComponent<SubscriptionForm> Form(SubscriptionScopes scopes, string zone = "Europe/Berlin", SubscriptionView? editing = null) =>
        Render<SubscriptionForm>(p => p
            .Add(f => f.Scopes, scopes)
            .Add(f => f.DefaultZone, zone)
            .Add(f => f.Editing, editing)
            .Add(f => f.OnSave, ((SubscriptionDraft Draft, bool Paused) input) => _saved.Add(input)));

    [Fact]
    public async Task A_manager_subscribes_to_their_first_team_at_the_default_time_in_their_zone()
    {
        var form = Form(ManagerOfTwo);

        await form.Find("[data-testid='subscribe-save']").ClickAsync(new());

        var (draft, paused) = Assert.Single(_saved);
        Assert.Equal(new SubscriptionDraft("4", "08:00", "Europe/Berlin", "everyday"), draft);
        Assert.False(paused);
        Assert.Empty(form.FindAll("[data-testid='subscribe-error']"));
    }

    [Theory]
    [InlineData("25:00", "Europe/Berlin", "'25:00' is not a time of day between 00:00 and 23:59")]
    [InlineData("8 o'clock", "Europe/Berlin", "'8 o'clock' is not a time of day")]
    [InlineData("", "Europe/Berlin", "Choose a delivery time, e.g. 08:00.")]
    [InlineData("07:30", "Europe/Atlantis", "'Europe/Atlantis' is not a known time zone")]
    [InlineData("07:30", "", "Choose a time zone")]
    public async Task A_bad_time_or_zone_is_named_and_nothing_is_handed_on(string time, string zone, string message)
    {
        var form = Form(ManagerOfTwo);

        form.Find("#subscribe-time").Change(time);
        form.Find("#subscribe-zone").Change(zone);
        await form.Find("[data-testid='subscribe-save']").ClickAsync(new());

        Assert.Empty(_saved);
        Assert.Contains(form.FindAll("[data-testid='subscribe-error']"), e => e.TextContent.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Finance_is_offered_the_org_wide_digest()
    {
        var form = Form(new SubscriptionScopes(new Dictionary<int, string>(), MayOrg: true), zone: "America/New_York");

        form.Find("#subscribe-time").Change("7:15");
        await form.Find("[data-testid='subscribe-save']").ClickAsync(new());

        Assert.Equal(new SubscriptionDraft("org", "7:15", "America/New_York", "everyday"), Assert.Single(_saved).Draft);
    }

    [Fact]
    public void Someone_with_nothing_to_subscribe_to_is_told_why()
    {
        var form = Form(new SubscriptionScopes(new Dictionary<int, string>(), MayOrg: false));

        Assert.Contains("Managers receive the digest of the teams they manage", form.Find("[data-testid='subscribe-nothing']").TextContent);
        Assert.Empty(form.FindAll("[data-testid='subscribe-save']"));
    }

    [Fact]
    public async Task Editing_keeps_the_scope_and_loads_the_subscriptions_values()
    {
        var editing = new SubscriptionView(3, "u1", "lead@example.test", 7, "search", new TimeOnly(18, 45), "Asia/Tokyo", DigestDays.Weekdays, Paused: false,
            DateTimeOffset.UnixEpoch, null, null, null);
        var form = Form(ManagerOfTwo, editing: editing);

        Assert.Equal("18:45", form.Find("#subscribe-time").GetAttribute("value"));
        Assert.Equal("Asia/Tokyo", form.Find("#subscribe-zone").GetAttribute("value"));
        Assert.Empty(form.FindAll("[data-testid='subscribe-scope']"));
        form.Find("#subscribe-time").Change("06:05");
        await form.Find("[data-testid='subscribe-save']").ClickAsync(new());

        Assert.Equal(new SubscriptionDraft("7", "06:05", "Asia/Tokyo", "weekdays"), Assert.Single(_saved).Draft);
    }
}
