using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Money came back from a prize transfer.</summary>
public sealed class PrizeTransferReversedHandler : MessageHandler<PrizeTransferReversed>
{
    public override async Task HandleAsync(PrizeTransferReversed reversal, HandlerContext context, CancellationToken ct)
    {
        await MoneyStore.PayoutReversedAsync(context, reversal);
        await MoneyStore.HistoryAsync(context, reversal.PayoutId, reversal.ContestId, "reversed", reversal.Reason,
            amountMinor: reversal.AmountMinor, currency: reversal.Currency);
    }
}
