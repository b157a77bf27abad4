using ContestPipeline.Contracts.Feed;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Store;

namespace ContestPipeline.Scoring.Handlers;

/// <summary>
/// A game ended. When it was the last covered game of a contest, the contest's correction
/// window starts; the referee completes it when the window passes.
/// </summary>
public sealed class GameEndedHandler : MessageHandler<GameEnded>
{
    public override Task HandleAsync(GameEnded game, HandlerContext context, CancellationToken ct) =>
        ScoringStore.RecordGameEndedAsync(context, game);
}
