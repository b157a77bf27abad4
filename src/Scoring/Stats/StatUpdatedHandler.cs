using ContestPipeline.Contracts.Feed;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Scoring.Stats;

/// <summary>A stat's new cumulative value during a game, applied to every live board covering the game.</summary>
public sealed class StatUpdatedHandler(LiveBoards boards) : StatsHandler<StatUpdated>(boards)
{
    protected override StatFact Read(StatUpdated s) => new(s.GameId, s.AthleteId, s.Stat, s.Value, s.Sequence);
}
