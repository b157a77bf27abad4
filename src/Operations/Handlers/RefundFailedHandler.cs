using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Stripe refused a refund for good.</summary>
public sealed class RefundFailedHandler : MessageHandler<RefundFailed>
{
    public override async Task HandleAsync(RefundFailed failure, HandlerContext context, CancellationToken ct)
    {
        await MoneyStore.RefundFailedAsync(context, failure);
        await MoneyStore.HistoryAsync(context, failure.RefundId, failure.ContestId, "refund_failed", failure.Reason,
            "failed",
            amountMinor: failure.AmountMinor, currency: failure.Currency);
    }
}
