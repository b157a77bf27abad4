namespace ContestPipeline.Contracts.Standings;

/// <summary>One entry whose rank or score the corrections would change: official, then corrected.</summary>
public sealed record StandingChange(string EntryId, string PlayerId, int FinalRank, long FinalScoreMilli,
    int CorrectedRank, long CorrectedScoreMilli);
