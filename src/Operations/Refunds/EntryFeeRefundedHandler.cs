using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Contests;

namespace ContestPipeline.Operations.Refunds;

/// <summary>An entry fee went back to the player; they are told.</summary>
public sealed class EntryFeeRefundedHandler : MessageHandler<EntryFeeRefunded>
{
    public override async Task HandleAsync(EntryFeeRefunded refund, HandlerContext context, CancellationToken ct)
    {
        var amount = Money.Format(refund.AmountMinor, refund.Currency);
        await RefundStore.RefundMadeAsync(context, refund);
        await MoneyHistoryStore.HistoryAsync(context, refund.RefundId, refund.ContestId, "refunded",
            $"{refund.Reason} ({refund.StripeRefundId ?? "refunded outside the pipeline"})", "refunded",
            amountMinor: refund.AmountMinor,
            currency: refund.Currency);
        await ContestStore.TimelineAsync(context, refund.ContestId, "refunded",
            $"refund {refund.RefundId} of {amount} to {refund.PlayerId} made");
        ReadModelStore.NotifyPlayer(context, refund.PlayerId, "entry_refunded", $"{amount} refunded",
            $"Your entry fee for {refund.ContestId} was refunded: {refund.Reason}");
    }
}
