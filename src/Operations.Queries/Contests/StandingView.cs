namespace ContestPipeline.Operations.Queries.Contests;

/// <summary>One row of a contest's final standings.</summary>
public sealed record StandingView(int Rank, string EntryId, string PlayerId, long ScoreMilli);
