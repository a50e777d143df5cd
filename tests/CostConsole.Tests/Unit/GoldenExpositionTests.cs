using System.Text.RegularExpressions;
using CostConsole.Workload;

namespace CostConsole.Tests.Unit;

/// <summary>
/// The workload generator against one exposition per upstream, written from that upstream's source (Golden/README.md):
/// every family it writes has the upstream's type, and every label set it writes is one the upstream writes.
/// </summary>
public sealed partial class GoldenExpositionTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? \S+$""")]
    private static partial Regex Sample();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*",?""")]
    private static partial Regex Label();

    /// <summary>Types by family, and the label-name sets seen per sample name (target labels job and instance left out).</summary>
    private static (Dictionary<string, string> Types, Dictionary<string, HashSet<string>> LabelSets) Parse(string exposition)
    {
        Dictionary<string, string> types = [];
        Dictionary<string, HashSet<string>> labelSets = [];
        foreach (var line in exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }

            if (line.StartsWith('#')) continue;
            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var names = Label().Matches(match.Groups["labels"].Value).Select(m => m.Groups["name"].Value)
                .Where(n => n is not ("job" or "instance")).Order(StringComparer.Ordinal);
            var set = labelSets.TryGetValue(match.Groups["name"].Value, out var found) ? found : labelSets[match.Groups["name"].Value] = [];
            set.Add(string.Join(",", names));
        }

        return (types, labelSets);
    }

    public static TheoryData<string> Shapes => [.. MetricShape.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_generator_writes_each_family_and_label_set_as_its_upstream_does(string shapeName)
    {
        var shape = MetricShape.Named(shapeName);
        var simulation = new Simulation(new WorkloadSettings { Seed = 5, Start = Start, FeatureCount = 12, PodsPerTeam = 1, RequestsPerMinute = 400, ErrorRate = 0.2, Shape = shape });
        simulation.AdvanceTo(Start.AddMinutes(30));
        var generated = Parse(Exposition.RenderText(simulation.Pods, shape));
        var golden = Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", shapeName + ".prom")));

        Assert.Equal(golden.Types.OrderBy(t => t.Key), generated.Types.OrderBy(t => t.Key));
        Assert.Equal(golden.LabelSets.Keys.Order(), generated.LabelSets.Keys.Order());
        foreach (var (name, sets) in generated.LabelSets)
        {
            Assert.All(sets, set => Assert.True(golden.LabelSets[name].Contains(set), $"{name} has labels {set}, which {shapeName} does not write; it writes {string.Join(" | ", golden.LabelSets[name])}"));
        }

        // And the built-in profile of that name reads metrics the upstream writes.
        var profile = MetricProfile.BuiltIn[shapeName];
        // Bifrost touches its 1-hour cache-write counter only when a request writes a 1-hour cache entry: a sample without
        // any (as here) has no such series, and the ledger reads it as nothing.
        var optional = profile.Tokens.TryGetValue(TokenType.CacheWrite1h, out var write1h) ? write1h.Names : [];
        Assert.All(profile.MetricChoices.Where(names => !names.SequenceEqual(optional)), names => Assert.Contains(names, generated.LabelSets.ContainsKey));
    }
}
