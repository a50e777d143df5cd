using System.Reflection;
using NetArchTest.Rules;

namespace CostConsole.Tests.Unit;

/// <summary>
/// The structure docs/ARCHITECTURE.md describes, checked on the compiled assemblies (NetArchTest reads every type's
/// fields, signatures and method bodies): the core stays pure, infrastructure knows no feature, only the ledger knows
/// the ledger's tables, and features use each other in one direction only.
/// </summary>
public class ArchitectureTests
{
    private static readonly Assembly Core = typeof(SpendFold).Assembly;
    private static readonly Assembly App = typeof(CostConsole.Features.Spend.SpendQuery).Assembly;

    /// <summary>
    /// Each feature's rank: a feature may use features of a lower rank only, so no two features can use each other.
    /// Listing a new feature here is part of adding it (the last test fails until it is listed).
    /// </summary>
    private static readonly IReadOnlyDictionary<string, int> FeatureRanks = new Dictionary<string, int>
    {
        ["Ledger"] = 0, ["Mail"] = 0, ["Metrics"] = 0,
        ["Identity"] = 1, ["Teams"] = 1, ["DataSource"] = 1, ["Health"] = 1,
        ["ApiTokens"] = 2, ["Hosting"] = 2, ["Shell"] = 2, ["Users"] = 2, ["Rates"] = 2,
        ["Spend"] = 3, ["Sources"] = 3,
        ["Pricing"] = 4,
        ["Budgets"] = 5, ["Reconcile"] = 5,
        ["Digests"] = 6,
    };

    /// <summary>
    /// The one pair that still uses each other: a user's managed teams and a team's managers are one many-to-many
    /// relation mapped on both entities (moving it would rename the join table's columns).
    /// </summary>
    private static readonly (string From, string To)[] Mutual = [("Identity", "Teams"), ("Teams", "Identity")];

    [Fact]
    public void The_core_references_nothing_but_the_base_library()
    {
        var references = Core.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.NotEmpty(references);
        Assert.All(references, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "mscorlib",
            $"CostConsole.Core references {name}: the core takes plain data (no ASP.NET Core, EF Core, HTTP or app code)."));
    }

    [Fact]
    public void The_core_uses_no_web_database_or_http_types()
    {
        var result = Types.InAssembly(Core).ShouldNot()
            .HaveDependencyOnAny("Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "System.Net.Http", "Microsoft.Extensions", "CostConsole.Features", "CostConsole.Data", "CostConsole.Prometheus")
            .GetResult();

        Assert.True(result.IsSuccessful, "Core types with I/O dependencies: " + Failing(result));
    }

    [Theory]
    [InlineData("CostConsole.Prometheus")]
    [InlineData("CostConsole.Csv")]
    [InlineData("CostConsole.Configuration")]
    public void Infrastructure_knows_no_feature(string infrastructure)
    {
        var result = Types.InAssembly(App).That().ResideInNamespace(infrastructure).ShouldNot()
            .HaveDependencyOnAny("CostConsole.Features", "CostConsole.Data", "CostConsole.Cli")
            .GetResult();

        Assert.True(result.IsSuccessful, $"{infrastructure} uses a feature: " + Failing(result));
    }

    [Fact]
    public void Only_the_ledger_knows_the_ledger_tables()
    {
        var result = Types.InAssembly(App)
            .That().DoNotResideInNamespace("CostConsole.Features.Ledger")
            .And().DoNotResideInNamespace("CostConsole.Data")
            .And().DoNotResideInNamespace("CostConsole.Migrations")
            .ShouldNot().HaveDependencyOnAny(
                typeof(CostConsole.Features.Ledger.LedgerSet).FullName!,
                typeof(CostConsole.Features.Ledger.LedgerEntry).FullName!,
                typeof(CostConsole.Features.Ledger.LedgerDay).FullName!,
                typeof(CostConsole.Features.Ledger.LedgerMonth).FullName!,
                typeof(CostConsole.Features.Ledger.LedgerHour).FullName!)
            .GetResult();

        Assert.True(result.IsSuccessful, "Types outside the ledger reading its tables (use LedgerReader): " + Failing(result));
    }

    [Fact]
    public void The_rule_sees_a_use_of_the_ledger_tables()
    {
        // The rule above would pass vacuously if the matcher did not see these uses: the ledger's own classes do use them.
        var result = Types.InAssembly(App).That().HaveName(nameof(CostConsole.Features.Ledger.LedgerReader))
            .ShouldNot().HaveDependencyOn(typeof(CostConsole.Features.Ledger.LedgerDay).FullName!)
            .GetResult();

        Assert.False(result.IsSuccessful);
    }

    [Fact]
    public void Features_use_each_other_in_one_direction()
    {
        List<string> backwards = [];
        foreach (var (feature, rank) in FeatureRanks)
        {
            foreach (var (other, otherRank) in FeatureRanks)
            {
                if (other == feature || otherRank < rank || Mutual.Contains((feature, other)))
                {
                    continue;
                }

                var result = Types.InAssembly(App).That().ResideInNamespace("CostConsole.Features." + feature)
                    .ShouldNot().HaveDependencyOn("CostConsole.Features." + other)
                    .GetResult();
                if (!result.IsSuccessful)
                {
                    backwards.Add($"{feature} (rank {rank}) uses {other} (rank {otherRank}): {Failing(result)}");
                }
            }
        }

        Assert.True(backwards.Count == 0, string.Join(Environment.NewLine, backwards));
    }

    [Fact]
    public void Every_feature_has_a_rank()
    {
        var features = App.GetTypes()
            .Select(t => t.Namespace ?? "")
            .Where(n => n.StartsWith("CostConsole.Features.", StringComparison.Ordinal))
            .Select(n => n.Split('.')[2])
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Contains("Spend", features);
        Assert.Empty(features.Except(FeatureRanks.Keys));
    }

    private static string Failing(TestResult result) => string.Join(", ", result.FailingTypeNames ?? []);
}
