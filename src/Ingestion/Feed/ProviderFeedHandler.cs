using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Feed;

/// <summary>
/// The handler of the provider's event family on <c>provider.feed</c> (FeedTypes.All: GameScheduled,
/// GamePostponed, GameStarted, StatUpdated, StatCorrected, GameSuspended, GameResumed, GameEnded,
/// GameCancelled), one instance per type. One class serves all nine because they share each game's
/// sequence numbers, so every one of them must pass through the same sequencer (<see cref="FeedStore"/>)
/// whatever its type. A run of events is sequenced in one pass.
/// </summary>
public sealed class ProviderFeedHandler<T>(FeedStore feed) : BatchMessageHandler<T> where T : class, IMessage
{
    public override Task HandleAsync(T message, HandlerContext context, CancellationToken ct) =>
        feed.OfferAsync(context, [FeedEvent.From(context.Incoming!)]);

    public override Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct) =>
        feed.OfferAsync(context, [.. messages.Select(FeedEvent.From)]);
}
