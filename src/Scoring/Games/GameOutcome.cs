namespace ContestPipeline.Scoring.Games;

/// <summary>
/// A covered game's outcome for a contest. <see cref="DecidedAt"/> is the feed's time of the fact
/// that decided it (the end, the cancellation, the postponement) or the slate's end.
/// <see cref="CutoffSequence"/>, for an unfinished game, is the sequence of the first fact that
/// brought it back into play after it stopped counting (null while none has): stats from there on
/// are not the contest's. <see cref="Played"/>: it started before it was decided.
/// </summary>
public sealed record GameOutcome(
    string GameId, GameOutcomeKind Kind, DateTimeOffset? DecidedAt, bool Played, long? CutoffSequence, string Why);
