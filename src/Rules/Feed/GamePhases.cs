using ContestPipeline.Contracts.Feed;
using static ContestPipeline.Rules.IngestionLimits;

namespace ContestPipeline.Rules.Feed;

/// <summary>
/// The checks of the events that move a game between phases, and of stats against the phase:
/// each returns null when the event may be applied, or why not (without the event's type, game
/// and sequence, which <see cref="FeedValidator"/> puts in front).
/// </summary>
/// <remarks>
/// The phase table: scheduled → postponed, started, cancelled; postponed → postponed (again),
/// started, cancelled; started → suspended, ended, cancelled; suspended → started (resumed),
/// ended (declared final as it stands), cancelled; ended and cancelled are final.
/// </remarks>
internal static class GamePhases
{
    public static string? Postponed(GameFacts state, GamePostponed e) => state.Phase switch
    {
        GamePhase.Scheduled or GamePhase.Postponed when e.PostponedAt == default => "postponedAt is missing",
        GamePhase.Scheduled or GamePhase.Postponed when e.NewStartsAt is { } next && next <= e.PostponedAt =>
            $"newStartsAt {Show.Time(next)} is not after postponedAt {Show.Time(e.PostponedAt)}",
        GamePhase.Scheduled or GamePhase.Postponed => Reason(e.Reason),
        GamePhase.Started or GamePhase.Suspended =>
            $"the game already started at {Show.Time(state.StartedAt!.Value)}; "
            + "a game in play is suspended, not postponed",
        _ => NotInPlay(state),
    };

    public static string? Started(GameFacts state, GameStarted e) => state.Phase switch
    {
        GamePhase.Scheduled or GamePhase.Postponed when e.StartedAt == default => "startedAt is missing",
        GamePhase.Scheduled or GamePhase.Postponed => null,
        GamePhase.Started or GamePhase.Suspended or GamePhase.Ended =>
            $"the game already started at {Show.Time(state.StartedAt!.Value)}",
        _ => NotInPlay(state),
    };

    public static string? Suspended(GameFacts state, GameSuspended e) => state.Phase switch
    {
        GamePhase.Started when e.SuspendedAt == default => "suspendedAt is missing",
        GamePhase.Started when e.SuspendedAt < state.StartedAt =>
            $"suspendedAt {Show.Time(e.SuspendedAt)} is before startedAt {Show.Time(state.StartedAt!.Value)}",
        GamePhase.Started => Reason(e.Reason),
        GamePhase.Suspended => $"the game is already suspended since {Show.Time(state.SuspendedAt!.Value)}",
        _ => NotInPlay(state),
    };

    public static string? Resumed(GameFacts state, GameResumed e) => state.Phase switch
    {
        GamePhase.Suspended when e.ResumedAt == default => "resumedAt is missing",
        GamePhase.Suspended when e.ResumedAt < state.SuspendedAt =>
            $"resumedAt {Show.Time(e.ResumedAt)} is before suspendedAt {Show.Time(state.SuspendedAt!.Value)}",
        GamePhase.Suspended => null,
        GamePhase.Started => "the game is not suspended",
        _ => NotInPlay(state),
    };

    public static string? Ended(GameFacts state, GameEnded e) => state.Phase switch
    {
        GamePhase.Started or GamePhase.Suspended when e.EndedAt == default => "endedAt is missing",
        GamePhase.Started or GamePhase.Suspended when e.EndedAt < state.StartedAt =>
            $"endedAt {Show.Time(e.EndedAt)} is before startedAt {Show.Time(state.StartedAt!.Value)}",
        GamePhase.Started or GamePhase.Suspended => null,
        _ => NotInPlay(state),
    };

    public static string? Cancelled(GameFacts state, GameCancelled e) => state.Phase switch
    {
        GamePhase.Unknown or GamePhase.Ended or GamePhase.Cancelled => NotInPlay(state),
        _ when e.CancelledAt == default => "cancelledAt is missing",
        _ when state.StartedAt is { } started && e.CancelledAt < started =>
            $"cancelledAt {Show.Time(e.CancelledAt)} is before startedAt {Show.Time(started)}",
        _ => Reason(e.Reason),
    };

    /// <summary>Why a stat cannot be taken in the game's phase; null when it can.</summary>
    public static string? StatNotAccepted(GameFacts state, bool correction) => state.Phase switch
    {
        GamePhase.Started => null,
        GamePhase.Unknown => "the game is not scheduled",
        GamePhase.Scheduled or GamePhase.Postponed =>
            correction ? "the game has not started; there is nothing to correct" : "the game has not started",
        _ when correction && state.HasStarted => null,
        GamePhase.Suspended =>
            $"the game is suspended since {Show.Time(state.SuspendedAt!.Value)}; "
            + "stats go on after GameResumed (StatCorrected is accepted)",
        GamePhase.Ended =>
            $"the game ended at {Show.Time(state.EndedAt!.Value)}; after the end only StatCorrected is accepted",
        GamePhase.Cancelled when state.HasStarted =>
            $"the game was cancelled at {Show.Time(state.CancelledAt!.Value)}; "
            + "after that only StatCorrected is accepted",
        _ => $"the game was cancelled at {Show.Time(state.CancelledAt!.Value)} before it started; "
            + "there is nothing to score",
    };

    /// <summary>Why a game that is unknown, final or not yet started does not take the event.</summary>
    private static string NotInPlay(GameFacts state) => state.Phase switch
    {
        GamePhase.Unknown => "the game is not scheduled",
        GamePhase.Scheduled or GamePhase.Postponed => "the game has not started",
        GamePhase.Ended => $"the game already ended at {Show.Time(state.EndedAt!.Value)}",
        GamePhase.Cancelled => $"the game was cancelled at {Show.Time(state.CancelledAt!.Value)}",
        _ => throw new InvalidOperationException($"game {state.GameId} is {state.Phase}, which takes this event"),
    };

    private static string? Reason(string? reason) => reason is { Length: > FeedReasonLengthMax }
        ? $"reason is {Show.N(reason.Length)} characters; at most {Show.N(FeedReasonLengthMax)} are allowed"
        : null;
}
