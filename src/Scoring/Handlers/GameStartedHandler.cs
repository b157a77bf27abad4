using ContestPipeline.Contracts.Feed;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Store;

namespace ContestPipeline.Scoring.Handlers;

/// <summary>A game started: the referee moves its LOCKED contests LIVE.</summary>
public sealed class GameStartedHandler : MessageHandler<GameStarted>
{
    public override Task HandleAsync(GameStarted game, HandlerContext context, CancellationToken ct) =>
        ScoringStore.RecordGameStartedAsync(context, game);
}
