using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Scoring.Games;

/// <summary>
/// The games' transition table: scheduled → postponed, started, cancelled; postponed → postponed (again),
/// started, cancelled; started → suspended, ended, cancelled; suspended → started (resumed), ended (declared
/// final as it stands), cancelled; ended and cancelled are final. It is the provider feed's phase table, which
/// Ingestion enforces on every event before it reaches <c>games</c> (src/Rules/Feed/GamePhases.cs), so Scoring
/// reads a game's facts as they come and does not check them again.
/// </summary>
public static class GameLifecycle
{
    public static TransitionTable<GameState> Table { get; } = new("game",
        new Dictionary<GameState, GameState[]>
        {
            [GameState.Scheduled] = [GameState.Postponed, GameState.Started, GameState.Cancelled],
            [GameState.Postponed] = [GameState.Postponed, GameState.Started, GameState.Cancelled],
            [GameState.Started] = [GameState.Suspended, GameState.Ended, GameState.Cancelled],
            [GameState.Suspended] = [GameState.Started, GameState.Ended, GameState.Cancelled],
            [GameState.Ended] = [],
            [GameState.Cancelled] = [],
        }, s => s.ToString().ToLowerInvariant());

    public static bool CanTransition(GameState from, GameState to) => Table.CanTransition(from, to);

    /// <summary>Lower-case name, as a game's state reads in a reason: scheduled, postponed, started ...</summary>
    public static string Name(GameState state) => Table.Name(state);

    /// <summary>The state a fact of <paramref name="kind"/> moves a game to: a resumed game is started again.</summary>
    public static GameState After(GamePhaseKind kind) => kind switch
    {
        GamePhaseKind.Started or GamePhaseKind.Resumed => GameState.Started,
        GamePhaseKind.Postponed => GameState.Postponed,
        GamePhaseKind.Suspended => GameState.Suspended,
        GamePhaseKind.Ended => GameState.Ended,
        GamePhaseKind.Cancelled => GameState.Cancelled,
        _ => throw new InvariantViolatedException($"{kind} is not a kind of game phase fact"),
    };
}
