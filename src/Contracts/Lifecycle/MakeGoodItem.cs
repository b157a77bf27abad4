namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>One entry's make-good: net prizes official and corrected, and what it is owed now.</summary>
public sealed record MakeGoodItem(string EntryId, string PlayerId, int OfficialRank, int CorrectedRank,
    long OfficialNetMinor, long CorrectedNetMinor, long MakeGoodMinor);
