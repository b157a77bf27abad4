using ContestPipeline.Contracts;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Handlers;

/// <summary>
/// The sports provider's events on <c>provider.feed</c>, one handler per type (FeedTypes.All),
/// all through the one sequencer: they
/// share a game's sequence numbers, so they are one class over their type. A run of events is
/// sequenced in one pass.
/// </summary>
public sealed class ProviderFeedHandler<T>(FeedStore feed) : BatchMessageHandler<T> where T : class, IMessage
{
    public override Task HandleAsync(T message, HandlerContext context, CancellationToken ct) =>
        feed.OfferAsync(context, [FeedEvent.From(context.Incoming!)]);

    public override Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct) =>
        feed.OfferAsync(context, [.. messages.Select(FeedEvent.From)]);
}
