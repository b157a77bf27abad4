using ContestPipeline.Contracts.Feed;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Scoring.Stats;

/// <summary>
/// A stat corrected by the provider: before COMPLETE it re-scores; after, it is recorded and reported, the result
/// stands.
/// </summary>
public sealed class StatCorrectedHandler(LiveBoards boards) : StatsHandler<StatCorrected>(boards)
{
    protected override StatFact Read(StatCorrected s) => new(s.GameId, s.AthleteId, s.Stat, s.Value, s.Sequence);
}
