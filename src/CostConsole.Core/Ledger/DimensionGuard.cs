namespace CostConsole.Core.Ledger;

/// <summary>
/// Keeps hostile or runaway label values from swamping the ledger while every total stays exact: a value longer than
/// the limit is cut and marked; once a dimension holds its cap of distinct values, further values are counted under
/// <see cref="Other"/>. Pure code: the values the ledger already holds come in, guarded dimensions go out.
/// </summary>
public sealed class DimensionGuard
{
    public const string Other = "(other)";
    public const string CutMarker = "…[cut]";

    /// <summary>The longest value the ledger can hold (Ledger:MaxLabelLength at its highest, cut and marked): filters take values up to this long.</summary>
    public const int MaxStoredLength = 10_000 + 6;

    private readonly int _maxLength;
    private readonly int _maxValues;
    private readonly Dictionary<string, HashSet<string>> _known;

    /// <param name="known">Per dimension (model, provider, feature, team, operation, outcome), the values the ledger already holds.</param>
    public DimensionGuard(int maxLength, int maxValues, IReadOnlyDictionary<string, IEnumerable<string>> known)
    {
        _maxLength = maxLength;
        _maxValues = maxValues;
        _known = Metrics.MetricProfile.Dimensions.ToDictionary(d => d, d => new HashSet<string>(known.GetValueOrDefault(d) ?? [], StringComparer.Ordinal));
    }

    /// <summary>Per dimension, how many distinct values were counted under <see cref="Other"/> because the dimension was full.</summary>
    public Dictionary<string, HashSet<string>> Folded { get; } = [];

    /// <summary>Per dimension, how many distinct values were cut for length.</summary>
    public Dictionary<string, int> Cut { get; } = [];

    public Dimensions Apply(Dimensions d) => d with
    {
        Model = Guard("model", d.Model),
        Provider = Guard("provider", d.Provider),
        Feature = Guard("feature", d.Feature),
        Team = Guard("team", d.Team),
        Operation = Guard("operation", d.Operation),
        Outcome = Guard("outcome", d.Outcome),
        Variant = Guard("variant", d.Variant),
    };

    private string Guard(string dimension, string value)
    {
        if (value.Length > _maxLength)
        {
            value = value[.._maxLength] + CutMarker;
            Cut[dimension] = Cut.GetValueOrDefault(dimension) + 1;
        }

        if (value.Length == 0) return value;
        var known = _known[dimension];
        if (known.Contains(value)) return value;
        if (known.Count < _maxValues)
        {
            known.Add(value);
            return value;
        }

        (Folded.TryGetValue(dimension, out var folded) ? folded : Folded[dimension] = new HashSet<string>(StringComparer.Ordinal)).Add(value);
        return Other;
    }
}
