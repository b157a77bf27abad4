using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Refunds;

/// <summary>Stripe refused a refund for good.</summary>
public sealed class RefundFailedHandler : MessageHandler<RefundFailed>
{
    public override async Task HandleAsync(RefundFailed failure, HandlerContext context, CancellationToken ct)
    {
        await RefundStore.RefundFailedAsync(context, failure);
        await MoneyHistoryStore.HistoryAsync(context, failure.RefundId, failure.ContestId, "refund_failed",
            failure.Reason, "failed",
            amountMinor: failure.AmountMinor, currency: failure.Currency);
    }
}
