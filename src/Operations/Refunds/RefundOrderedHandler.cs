using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Contests;

namespace ContestPipeline.Operations.Refunds;

/// <summary>A refund of an entry fee ordered.</summary>
public sealed class RefundOrderedHandler : MessageHandler<RefundOrdered>
{
    public override async Task HandleAsync(RefundOrdered order, HandlerContext context, CancellationToken ct)
    {
        await RefundStore.RefundOrderedAsync(context, order);
        await MoneyHistoryStore.HistoryAsync(context, order.RefundId, order.ContestId, "refund_ordered", order.Reason,
            amountMinor: order.AmountMinor,
            currency: order.Currency);
        await ContestStore.TimelineAsync(context, order.ContestId, "refund_ordered",
            $"refund {order.RefundId} of {Money.Format(order.AmountMinor, order.Currency)} to {order.PlayerId} " +
            $"ordered: {order.Reason}");
    }
}
