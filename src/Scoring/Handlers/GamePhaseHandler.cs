using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Domain;
using ContestPipeline.Scoring.Store;

namespace ContestPipeline.Scoring.Handlers;

/// <summary>
/// A fact of a game's life on the ordered <c>games</c> topic (started, postponed, suspended,
/// resumed, ended, cancelled): kept on the game's timeline, and the contests covering it are
/// due for review (the referee applies each contest's rule for unfinished games). When the game
/// comes back into play after it stopped counting for a contest (postponed past the slate's end,
/// not final by it), that contest keeps the values it had: stats from here on are not its own.
/// </summary>
public sealed class GamePhaseHandler<T> : MessageHandler<T> where T : class, IMessage
{
    public override async Task HandleAsync(T message, HandlerContext context, CancellationToken ct)
    {
        var (gameId, fact) = Read(message);
        await ScoringStore.RecordGamePhaseAsync(context, gameId, fact);
        if (fact.Kind is GamePhaseKinds.Started or GamePhaseKinds.Resumed)
            await FreezeWhereItStoppedCountingAsync(context, gameId, fact);
    }

    public static (string GameId, GamePhaseFact Fact) Read(T message) => message switch
    {
        GameStarted g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKinds.Started, g.StartedAt)),
        GamePostponed g =>
            (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKinds.Postponed, g.PostponedAt, g.NewStartsAt)),
        GameSuspended g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKinds.Suspended, g.SuspendedAt)),
        GameResumed g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKinds.Resumed, g.ResumedAt)),
        GameEnded g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKinds.Ended, g.EndedAt)),
        GameCancelled g => (g.GameId, new GamePhaseFact(g.Sequence, GamePhaseKinds.Cancelled, g.CancelledAt)),
        _ => throw new InvariantViolatedException($"{typeof(T).Name} is not a game phase fact"),
    };

    private static async Task FreezeWhereItStoppedCountingAsync(
        HandlerContext context, string gameId, GamePhaseFact fact)
    {
        var now = context.Clock.GetUtcNow();
        var contests = await ScoringStore.ContestsOfGameAsync(context, gameId);
        if (contests.Count == 0) return;
        var phases = (await ScoringStore.GamePhasesAsync(context, [gameId]))[gameId];
        foreach (var (contestId, definition, state) in contests)
        {
            if (state == ContestState.Cancelled) continue;
            var slateEnd = await ScoringStore.SlateEndAsync(context, definition);
            var outcome = SlateRules.Outcome(gameId, phases, slateEnd, now);
            if (outcome.CutoffSequence != fact.Sequence) continue;
            // Before the result is fixed the values are kept for it; after, later stats are only not corrections of it.
            var snapshot = state != ContestState.Complete;
            await ScoringStore.FreezeGameAsync(context, contestId, gameId, fact.Sequence, snapshot);
        }
    }
}
