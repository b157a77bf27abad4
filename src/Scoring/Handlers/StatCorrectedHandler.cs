using ContestPipeline.Contracts.Feed;
using ContestPipeline.Scoring.Domain;

namespace ContestPipeline.Scoring.Handlers;

/// <summary>
/// A stat corrected by the provider: before COMPLETE it re-scores; after, it is recorded and reported, the result
/// stands.
/// </summary>
public sealed class StatCorrectedHandler(ScoringState boards) : StatsHandler<StatCorrected>(boards)
{
    protected override StatFact Read(StatCorrected s) => new(s.GameId, s.AthleteId, s.Stat, s.Value, s.Sequence);
}
