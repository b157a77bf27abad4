namespace ContestPipeline.Contracts.Standings;

/// <summary>
/// One entry's place. Rank is standard competition ranking (ties share the best rank:
/// 1, 2, 2, 4); tied entries are listed by entry id. Scores are thousandths of a point.
/// </summary>
public sealed record StandingRow(int Rank, string EntryId, string PlayerId, long ScoreMilli);
