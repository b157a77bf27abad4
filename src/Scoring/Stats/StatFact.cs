namespace ContestPipeline.Scoring.Stats;

/// <summary>A stat's latest cumulative value for an athlete in a game, and the feed sequence that set it.</summary>
public readonly record struct StatFact(string GameId, string AthleteId, string Stat, long Value, long Sequence);
