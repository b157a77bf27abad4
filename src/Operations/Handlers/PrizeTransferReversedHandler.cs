using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Money came back from a prize transfer.</summary>
public sealed class PrizeTransferReversedHandler : MessageHandler<PrizeTransferReversed>
{
    public override async Task HandleAsync(PrizeTransferReversed r, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.ExecuteAsync(context,
            "UPDATE operations.payouts SET reversed_minor = greatest(reversed_minor, @ReversedTotalMinor) WHERE payout_id = @PayoutId", r);
        await ReadModelStore.HistoryAsync(context, r.PayoutId, r.ContestId, "reversed", r.Reason, amountMinor: r.AmountMinor, currency: r.Currency);
    }
}
