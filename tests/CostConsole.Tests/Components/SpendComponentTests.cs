using Bunit;
using CostConsole.Features.Spend;
using Microsoft.JSInterop;

namespace CostConsole.Tests.Components;

public sealed class SpendComponentTests : ComponentTestBase
{
    private static readonly DateTimeOffset Through = new(2026, 11, 20, 14, 0, 0, TimeSpan.Zero);

    private static SpendResult Result(DateTimeOffset? through, DateTimeOffset? liveSince = null, bool incomplete = false, params string[] warnings) =>
        new(Through.AddDays(-1), Through.AddHours(1), [], [], SpendFigures.Zero, through, warnings) { LiveSince = liveSince, Incomplete = incomplete };

    [Fact]
    public void A_chart_without_data_shows_its_empty_text_and_draws_nothing()
    {
        var chart = Render<SpendChart>(p => p
            .Add(c => c.Categories, [])
            .Add(c => c.Series, [])
            .Add(c => c.EmptyText, "No spend recorded this month yet."));

        Assert.Equal("No spend recorded this month yet.", chart.Find("[data-testid='chart-empty']").TextContent);
        Assert.DoesNotContain(Context.JSInterop.Invocations, i => i.Identifier == "create");
    }

    [Fact]
    public async Task A_chart_is_created_once_updated_on_new_figures_and_destroyed_with_the_component()
    {
        var module = Context.JSInterop.SetupModule("./js/spend-chart.js");
        module.Mode = JSRuntimeMode.Loose;
        IReadOnlyList<ChartSeries> series = [new("Cost", [1.5m, 2m], [1000, 2000])];

        var chart = Render<SpendChart>(p => p.Add(c => c.Categories, ["Nov 1", "Nov 2"]).Add(c => c.Series, series));
        chart.Render();
        chart.Render(p => p.Add(c => c.Series, [new ChartSeries("Cost", [3m, 4m], [3000, 4000])]));

        Assert.Single(module.Invocations, i => i.Identifier == "create");
        Assert.Single(module.Invocations, i => i.Identifier == "update");
        Assert.Equal("2", chart.Find(".spend-chart").GetAttribute("data-chart-categories"));

        await Context.DisposeComponentsAsync();
        Assert.Single(module.Invocations, i => i.Identifier == "destroy");
    }

    [Fact]
    public async Task Clicking_a_segment_reports_its_series_and_category_and_ignores_indexes_out_of_range()
    {
        Context.JSInterop.SetupModule("./js/spend-chart.js").Mode = JSRuntimeMode.Loose;
        List<ChartPoint> clicked = [];
        var chart = Render<SpendChart>(p => p
            .Add(c => c.Categories, ["chat", "search"])
            .Add(c => c.Series, [new ChartSeries("gpt-4o", [1m, 2m], [1, 2]), new ChartSeries("Other", [0.5m, 0.5m], [1, 1])])
            .Add(c => c.OnPointSelected, point => clicked.Add(point)));

        await chart.InvokeAsync(() => chart.Instance.PointSelected(1, 0));
        await chart.InvokeAsync(() => chart.Instance.PointSelected(5, 9));

        Assert.Equal([new ChartPoint(1, 0)], clicked);
    }

    [Fact]
    public void Freshness_names_the_last_exact_hour_in_utc_and_the_chosen_zone_and_the_live_part()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        var view = Render<SpendFreshness>(p => p.Add(c => c.Result, Result(Through, Through)).Add(c => c.Zone, berlin));

        Assert.Contains("Exact through 2026-11-20 14:00 UTC (2026-11-20 15:00 Europe/Berlin)", view.Markup);
        Assert.Contains("Live from Prometheus since 14:00 UTC", view.Markup);
    }

    [Fact]
    public void An_empty_ledger_and_a_failed_live_read_are_said_plainly_never_as_zero()
    {
        var empty = Render<SpendFreshness>(p => p.Add(c => c.Result, Result(null, null, false, "The ledger is empty: no closed hour has been ingested yet.")));
        var failed = Render<SpendFreshness>(p => p.Add(c => c.Result, Result(Through, Through, true, "The open hour could not be read from Prometheus (connection refused); figures after 2026-11-20T14:00Z are missing, not zero.")));

        Assert.Contains("The ledger is empty: no hour ingested yet", empty.Markup);
        Assert.DoesNotContain("$0", empty.Markup);
        Assert.DoesNotContain("Live from Prometheus", failed.Markup);
        Assert.Contains("missing, not zero", failed.Find("[data-testid='spend-warning']").TextContent);
    }

    [Fact]
    public void A_window_reaching_back_before_the_ledger_says_where_counting_starts()
    {
        var result = Result(Through) with { From = Through.AddDays(-10) };
        var started = result with { LedgerFrom = Through.AddDays(-3) };

        var view = Render<SpendFreshness>(p => p.Add(c => c.Result, started));

        Assert.True(started.StartsBeforeLedger);
        Assert.Contains("Counted from 2026-11-17 14:00 UTC, where the ledger starts", view.Find("[data-testid='ledger-starts']").TextContent);
        Assert.Empty(Render<SpendFreshness>(p => p.Add(c => c.Result, result)).FindAll("[data-testid='ledger-starts']"));
    }

    [Fact]
    public void The_zone_picker_offers_an_unlisted_zone_from_the_url_as_well()
    {
        var picker = Render<ZonePicker>(p => p.Add(c => c.Zone, "Pacific/Auckland"));

        Assert.Contains("Pacific/Auckland", picker.Markup);
    }
}
