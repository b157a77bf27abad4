namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// An entry as scoring sees it. <see cref="Lineup"/> lists athlete ids in submitted order for a
/// fantasy entry and is null for a fitness entry, which scores the stats of the athlete whose id
/// is <see cref="PlayerId"/> (the player scores their own activity).
/// </summary>
public sealed class ScoringEntry
{
    public ScoringEntry(string entryId, string playerId, IReadOnlyList<string>? lineup)
    {
        ArgumentNullException.ThrowIfNull(entryId);
        ArgumentNullException.ThrowIfNull(playerId);
        EntryId = entryId;
        PlayerId = playerId;
        if (lineup is not null)
        {
            // A copy, so that a caller reusing its list cannot change an entry after the fact.
            var copy = new string[lineup.Count];
            for (var i = 0; i < copy.Length; i++)
                copy[i] = lineup[i]
                    ?? throw new ArgumentException($"entry {entryId}: lineup slot {i} is null", nameof(lineup));
            Lineup = copy;
        }
    }

    public string EntryId { get; }
    public string PlayerId { get; }
    public IReadOnlyList<string>? Lineup { get; }

    /// <summary>The athletes whose points this entry adds up: the lineup, or the player themself.</summary>
    public IReadOnlyList<string> ScoredAthletes => Lineup ?? [PlayerId];

    /// <summary>Same id, player and lineup (same athletes in the same order, or both without a lineup).</summary>
    public bool HasSameContentAs(ScoringEntry other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!string.Equals(EntryId, other.EntryId, StringComparison.Ordinal)) return false;
        if (!string.Equals(PlayerId, other.PlayerId, StringComparison.Ordinal)) return false;
        if (Lineup is null || other.Lineup is null) return Lineup is null && other.Lineup is null;
        if (Lineup.Count != other.Lineup.Count) return false;
        for (var i = 0; i < Lineup.Count; i++)
            if (!string.Equals(Lineup[i], other.Lineup[i], StringComparison.Ordinal)) return false;
        return true;
    }

    public override string ToString() =>
        $"{EntryId} ({PlayerId}: {(Lineup is null ? "own stats" : string.Join(",", Lineup))})";
}
