namespace ContestPipeline.Scoring.Games;

/// <summary>One fact of a game's life from the ordered feed: sequence, kind, time and (postponed) new start.</summary>
public sealed record GamePhaseFact(
    long Sequence, GamePhaseKind Kind, DateTimeOffset At, DateTimeOffset? NewStartsAt = null);
