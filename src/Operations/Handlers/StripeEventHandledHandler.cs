using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>What Payout made of a Stripe event (it may arrive before the event itself).</summary>
public sealed class StripeEventHandledHandler : MessageHandler<StripeEventHandled>
{
    public override Task HandleAsync(StripeEventHandled handled, HandlerContext context, CancellationToken ct) =>
        StripeEventStore.HandledAsync(context, handled);
}
