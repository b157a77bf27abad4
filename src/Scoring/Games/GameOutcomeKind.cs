namespace ContestPipeline.Scoring.Games;

/// <summary>What a covered game comes to for one contest.</summary>
public enum GameOutcomeKind
{
    /// <summary>Not decided yet: it may still be played and finish by the slate's end.</summary>
    Pending,
    /// <summary>Ended: every stat counts.</summary>
    Final,
    /// <summary>
    /// Cancelled, postponed past the slate's end, or not final by it: athletes score what they had then.
    /// </summary>
    Unfinished,
    /// <summary>
    /// In play at the slate's end and not stopped since: it holds the contest until the feed stops it.
    /// </summary>
    HeldInPlay,
}
