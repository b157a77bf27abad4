using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A prize's transfer exists on Stripe; the winner is told.</summary>
public sealed class PrizeTransferredHandler : MessageHandler<PrizeTransferred>
{
    public override async Task HandleAsync(PrizeTransferred t, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.ExecuteAsync(context,
            "UPDATE operations.payouts SET transfer_id = @TransferId, paid_at = @TransferredAt WHERE payout_id = @PayoutId", t);
        await ReadModelStore.HistoryAsync(context, t.PayoutId, t.ContestId, "transferred", $"transfer {t.TransferId} to {t.AccountId}",
            amountMinor: t.AmountMinor, currency: t.Currency);
        ReadModelStore.NotifyPlayer(context, t.PlayerId, "payout_sent", $"{Money.Format(t.AmountMinor, t.Currency)} is on its way",
            $"Your prize from {t.ContestId} was sent to your account ({t.TransferId}).");
    }
}
