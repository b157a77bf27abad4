using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Payouts;

/// <summary>A prize's transfer exists on Stripe; the winner is told.</summary>
public sealed class PrizeTransferredHandler : MessageHandler<PrizeTransferred>
{
    public override async Task HandleAsync(PrizeTransferred transfer, HandlerContext context, CancellationToken ct)
    {
        await PayoutStore.PayoutTransferredAsync(context, transfer);
        await MoneyHistoryStore.HistoryAsync(context, transfer.PayoutId, transfer.ContestId, "transferred",
            $"transfer {transfer.TransferId} to {transfer.AccountId}", amountMinor: transfer.AmountMinor,
            currency: transfer.Currency);
        ReadModelStore.NotifyPlayer(context, transfer.PlayerId, "payout_sent",
            $"{Money.Format(transfer.AmountMinor, transfer.Currency)} is on its way",
            $"Your prize from {transfer.ContestId} was sent to your account ({transfer.TransferId}).");
    }
}
