namespace CostConsole.Tests.Unit;

public sealed class DimensionGuardTests
{
    private static Dimensions Feature(string feature) => new("m", "p", feature, "t", "o", "");

    [Fact]
    public void A_full_dimension_counts_new_values_under_other_and_keeps_the_ones_it_holds()
    {
        var guard = new DimensionGuard(200, 10, new Dictionary<string, IEnumerable<string>> { ["feature"] = Enumerable.Range(0, 9).Select(i => $"f{i}") });

        Assert.Equal("f3", guard.Apply(Feature("f3")).Feature);
        Assert.Equal("new-1", guard.Apply(Feature("new-1")).Feature);
        Assert.Equal(DimensionGuard.Other, guard.Apply(Feature("new-2")).Feature);
        Assert.Equal(DimensionGuard.Other, guard.Apply(Feature("new-3")).Feature);
        Assert.Equal("new-1", guard.Apply(Feature("new-1")).Feature);
        Assert.Equal(2, guard.Folded["feature"].Count);
        // Other dimensions are not affected, and an empty value is never folded.
        Assert.Equal(("m", ""), (guard.Apply(Feature("new-4")).Model, guard.Apply(Feature("")).Feature));
    }

    [Fact]
    public void A_long_value_is_cut_and_marked()
    {
        var guard = new DimensionGuard(20, 100, new Dictionary<string, IEnumerable<string>>());
        var cut = guard.Apply(new Dimensions(new string('m', 10_000_000), "", "", "", "", "")).Model;
        Assert.Equal(new string('m', 20) + DimensionGuard.CutMarker, cut);
        Assert.Equal(1, guard.Cut["model"]);
    }
}
