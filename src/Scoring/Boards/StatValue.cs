namespace ContestPipeline.Scoring.Boards;

/// <summary>The latest cumulative <see cref="Value"/> of one athlete's stat in one game.</summary>
public readonly record struct StatValue(string GameId, string AthleteId, string Stat, long Value)
{
    /// <summary>Game id, then athlete id, then stat, each by ordinal comparison; the value last.</summary>
    public static IComparer<StatValue> OrdinalOrder { get; } = Comparer<StatValue>.Create(static (a, b) =>
    {
        var c = string.CompareOrdinal(a.GameId, b.GameId);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.AthleteId, b.AthleteId);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Stat, b.Stat);
        return c != 0 ? c : a.Value.CompareTo(b.Value);
    });
}
