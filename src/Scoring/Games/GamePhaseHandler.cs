using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Scoring.Games;

/// <summary>
/// The handler of the family of facts of a game's life on the ordered <c>games</c> topic (GameStarted,
/// GamePostponed, GameSuspended, GameResumed, GameEnded, GameCancelled), one instance per type. One class serves
/// all six because each is the same fact to the referee, a <see cref="GamePhaseFact"/> kept on the game's
/// timeline, and leads to the same review. The contests covering the game are due for review (the referee applies
/// each contest's rule for unfinished games). When the game comes back into play after it stopped counting for a
/// contest (postponed past the slate's end, not final by it), that contest keeps the values it had: stats from
/// here on are not its own.
/// </summary>
public sealed class GamePhaseHandler<T> : MessageHandler<T> where T : class, IMessage
{
    public override async Task HandleAsync(T message, HandlerContext context, CancellationToken ct)
    {
        var (gameId, fact) = Read(message);
        await GameStore.RecordGamePhaseAsync(context, gameId, fact);
        if (fact.Kind is GamePhaseKind.Started or GamePhaseKind.Resumed)
            await FreezeWhereItStoppedCountingAsync(context, gameId, fact);
    }

    public static (string GameId, GamePhaseFact Fact) Read(T message) => message switch
    {
        GameStarted g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKind.Started, g.StartedAt)),
        GamePostponed g =>
            (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKind.Postponed, g.PostponedAt, g.NewStartsAt)),
        GameSuspended g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKind.Suspended, g.SuspendedAt)),
        GameResumed g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKind.Resumed, g.ResumedAt)),
        GameEnded g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKind.Ended, g.EndedAt)),
        GameCancelled g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKind.Cancelled, g.CancelledAt)),
        _ => throw new InvariantViolatedException($"{typeof(T).Name} is not a game phase fact"),
    };

    private static async Task FreezeWhereItStoppedCountingAsync(
        HandlerContext context, string gameId, GamePhaseFact fact)
    {
        var now = context.Clock.GetUtcNow();
        var contests = await GameStore.ContestsOfGameAsync(context, gameId);
        if (contests.Count == 0) return;
        var phases = (await GameStore.GamePhasesAsync(context, [gameId]))[gameId];
        foreach (var (contestId, definition, state) in contests)
        {
            if (state == ContestState.Cancelled) continue;
            var slateEnd = await GameStore.SlateEndAsync(context, definition);
            var outcome = SlateRules.Outcome(gameId, phases, slateEnd, now);
            if (outcome.CutoffSequence != fact.Sequence) continue;
            // Before the result is fixed the values are kept for it; after, later stats are only not corrections of it.
            var snapshot = state != ContestState.Complete;
            await GameStore.FreezeGameAsync(context, contestId, gameId, fact.Sequence, snapshot);
        }
    }
}
