using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Handlers;

/// <summary>A refund order (cancelled contest, or a payment Ingestion would not accept): recorded once per PaymentIntent, for the refund job.</summary>
public sealed class RefundOrderedHandler : MessageHandler<RefundOrdered>
{
    public override async Task HandleAsync(RefundOrdered order, HandlerContext context, CancellationToken ct)
    {
        if (order.AmountMinor <= 0)
            throw new MessageRejectedException($"refund {order.RefundId}: amount {order.AmountMinor} is not positive");
        if (order.RefundId != RefundOrdered.RefundIdFor(order.PaymentIntentId))
            throw new MessageRejectedException($"refund {order.RefundId}: id is not the one of payment {order.PaymentIntentId}");
        await RefundStore.InsertAsync(context, order, context.Incoming!.Envelope.MessageId);
    }
}
