using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.StripeEvents;

/// <summary>What Payout made of a Stripe event (it may arrive before the event itself).</summary>
public sealed class StripeEventHandledHandler : BatchMessageHandler<StripeEventHandled>
{
    public override Task HandleAsync(StripeEventHandled handled, HandlerContext context, CancellationToken ct) =>
        StripeEventStore.HandledAsync(context, [handled]);

    /// <summary>One comes for every Stripe event Payout reads (one for every entry): a run is one statement.</summary>
    public override Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct) =>
        StripeEventStore.HandledAsync(context, [.. messages.Select(m => m.Body<StripeEventHandled>())]);
}
