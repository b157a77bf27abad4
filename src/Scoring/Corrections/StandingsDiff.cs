using ContestPipeline.Contracts.Standings;

namespace ContestPipeline.Scoring.Corrections;

/// <summary>How corrected standings differ from the official final standings, for a credit-only make-good.</summary>
public static class StandingsDiff
{
    /// <summary>
    /// Entries whose rank or score differ between the official and the corrected standings,
    /// the better of their two ranks first, then by entry id (ordinal).
    /// </summary>
    public static IReadOnlyList<StandingChange> Of(IReadOnlyList<StandingRow> final,
        IReadOnlyList<StandingRow> corrected)
    {
        var correctedByEntry = corrected.ToDictionary(r => r.EntryId, StringComparer.Ordinal);
        var changes = new List<StandingChange>();
        foreach (var f in final)
            if (correctedByEntry.TryGetValue(f.EntryId, out var c)
                && (c.Rank != f.Rank || c.ScoreMilli != f.ScoreMilli))
                changes.Add(new StandingChange(f.EntryId, f.PlayerId, f.Rank, f.ScoreMilli, c.Rank, c.ScoreMilli));
        return [.. changes.OrderBy(c => Math.Min(c.FinalRank, c.CorrectedRank))
            .ThenBy(c => c.EntryId, StringComparer.Ordinal)];
    }
}
