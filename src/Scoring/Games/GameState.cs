namespace ContestPipeline.Scoring.Games;

/// <summary>
/// Where a covered game is in its life, as its phase facts tell it in sequence order; <see cref="GameLifecycle"/>
/// says how it moves. Scoring stores a game's facts, not its state: <see cref="SlateRules"/> walks the facts to it.
/// </summary>
public enum GameState
{
    /// <summary>Known to the feed, not started yet.</summary>
    Scheduled,
    /// <summary>Will not start when scheduled; may start later, or be cancelled.</summary>
    Postponed,
    /// <summary>In play (started, or resumed after a suspension).</summary>
    Started,
    /// <summary>Started, and play stopped; may resume, be declared final, or be cancelled.</summary>
    Suspended,
    Ended,
    /// <summary>Final without a result, before or after it started.</summary>
    Cancelled,
}
