using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Payouts;

/// <summary>Money came back from a prize transfer.</summary>
public sealed class PrizeTransferReversedHandler : MessageHandler<PrizeTransferReversed>
{
    public override async Task HandleAsync(PrizeTransferReversed reversal, HandlerContext context, CancellationToken ct)
    {
        await PayoutStore.PayoutReversedAsync(context, reversal);
        await MoneyHistoryStore.HistoryAsync(context, reversal.PayoutId, reversal.ContestId, "reversed",
            reversal.Reason,
            amountMinor: reversal.AmountMinor, currency: reversal.Currency);
    }
}
