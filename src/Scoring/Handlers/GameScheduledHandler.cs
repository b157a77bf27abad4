using ContestPipeline.Contracts.Feed;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Store;

namespace ContestPipeline.Scoring.Handlers;

/// <summary>A game on the ordered <c>games</c> topic: when it starts.</summary>
public sealed class GameScheduledHandler : MessageHandler<GameScheduled>
{
    public override Task HandleAsync(GameScheduled game, HandlerContext context, CancellationToken ct) =>
        ScoringStore.RecordGameScheduledAsync(context, game);
}
