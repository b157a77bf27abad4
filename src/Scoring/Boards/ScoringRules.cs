using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// A contest's scoring rules compiled for the hot path: each distinct stat a rule names gets a
/// slot (slots follow the ordinal order of the stat names, so they do not depend on the order
/// the rules were listed in), and the points for a value are computed without a lookup once
/// the slot is known.
/// </summary>
/// <remarks>
/// Nothing is validated here: the edge rejects unknown stats and absurd values before a
/// definition exists. What is enforced is exactness. The points for (stat, value) are the exact
/// integer Σ value × PointsPerUnitMilli over the rules naming that stat, and an
/// <see cref="OverflowException"/> is thrown when that sum does not fit in a long. The sum is
/// taken in 128 bits, so the outcome does not depend on the order of duplicate rules.
/// </remarks>
public sealed class ScoringRules
{
    private readonly Dictionary<string, int> _slotByStat;
    private readonly string[] _stats;
    // Per slot, the PointsPerUnitMilli of every rule naming that stat (almost always one).
    private readonly long[][] _pointsPerUnitMilli;

    public ScoringRules(IEnumerable<ScoringRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var byStat = new SortedDictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            ArgumentNullException.ThrowIfNull(rule);
            ArgumentNullException.ThrowIfNull(rule.Stat);
            if (!byStat.TryGetValue(rule.Stat, out var list)) byStat[rule.Stat] = list = [];
            list.Add(rule.PointsPerUnitMilli);
        }

        _stats = [.. byStat.Keys];
        _pointsPerUnitMilli = [.. byStat.Values.Select(list => list.Order().ToArray())];
        _slotByStat = new Dictionary<string, int>(_stats.Length, StringComparer.Ordinal);
        for (var slot = 0; slot < _stats.Length; slot++) _slotByStat[_stats[slot]] = slot;
    }

    /// <summary>
    /// The compiled rules as text: every stat with a rule, in slot order, and its points per unit in order. The same
    /// rules listed in another order give the same signature.
    /// </summary>
    public string Signature => string.Join(";",
        _stats.Select((stat, slot) => $"{stat.Length}:{stat}={string.Join(",", _pointsPerUnitMilli[slot])}"));

    /// <summary>The distinct stats that score, in slot order (ordinal order of their names).</summary>
    public IReadOnlyList<string> Stats => _stats;

    public int SlotCount => _stats.Length;

    /// <summary>The slot of a stat that has a rule; false for a stat that always scores zero.</summary>
    public bool TryGetSlot(string stat, out int slot) => _slotByStat.TryGetValue(stat, out slot);

    /// <summary>Points, in thousandths, for a cumulative value of a stat; zero for a stat without a rule.</summary>
    /// <exception cref="OverflowException">The points do not fit in a long.</exception>
    public long PointsMilli(string stat, long value) =>
        TryGetSlot(stat, out var slot) ? PointsMilli(slot, value) : 0;

    /// <summary>Points, in thousandths, for a cumulative value of the stat in <paramref name="slot"/>.</summary>
    /// <exception cref="OverflowException">The points do not fit in a long.</exception>
    public long PointsMilli(int slot, long value)
    {
        var perUnit = _pointsPerUnitMilli[slot];
        if (perUnit.Length == 1) return checked(value * perUnit[0]);

        // Duplicate rules for one stat: a product of two longs always fits in 128 bits, so
        // only the final sum can fail to fit, whatever order the rules are in.
        Int128 sum = 0;
        foreach (var points in perUnit) sum = checked(sum + (Int128)value * points);
        return checked((long)sum);
    }
}
