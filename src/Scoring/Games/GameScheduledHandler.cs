using ContestPipeline.Contracts.Feed;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Scoring.Games;

/// <summary>A game on the ordered <c>games</c> topic: when it starts.</summary>
public sealed class GameScheduledHandler : MessageHandler<GameScheduled>
{
    public override Task HandleAsync(GameScheduled game, HandlerContext context, CancellationToken ct) =>
        GameStore.RecordGameScheduledAsync(context, game);
}
