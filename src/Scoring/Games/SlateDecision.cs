namespace ContestPipeline.Scoring.Games;

/// <summary>What a contest's games come to under its rule: complete at a time, cancel with a reason, or wait.</summary>
/// <param name="CompletesAt">
/// When every game is decided and at least one was played (rule permitting): the latest decision plus the correction
/// window.
/// </param>
/// <param name="CancelReason">When the contest is to be cancelled and refunded: why, naming the game.</param>
/// <param name="LookAgainAt">
/// When the decision may change by the clock alone (the slate's end), if it has not passed.
/// </param>
/// <param name="HeldBy">
/// Games in play past the slate's end: they hold the contest LIVE, and an operator must hear of it.
/// </param>
public sealed record SlateDecision(
    DateTimeOffset? CompletesAt, string? CancelReason, DateTimeOffset? LookAgainAt, IReadOnlyList<GameOutcome> HeldBy);
