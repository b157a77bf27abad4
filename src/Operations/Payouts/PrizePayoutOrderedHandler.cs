using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Payouts;

/// <summary>A prize (or make-good) ordered for a winning entry; the winner is told.</summary>
public sealed class PrizePayoutOrderedHandler : MessageHandler<PrizePayoutOrdered>
{
    public override async Task HandleAsync(PrizePayoutOrdered order, HandlerContext context, CancellationToken ct)
    {
        string Amount(long minor) => Money.Format(minor, order.Currency);
        var inserted = await PayoutStore.PayoutOrderedAsync(context, order);
        var what = PayoutKinds.Of(order.PayoutId) == PayoutKinds.Prize ? "prize" : "make-good";
        await MoneyHistoryStore.HistoryAsync(context, order.PayoutId, order.ContestId, "ordered",
            $"rank {order.Rank} {what}: gross {Amount(order.GrossMinor)}, fee {Amount(order.FeeMinor)}, net " +
            $"{Amount(order.NetMinor)}",
            amountMinor: order.NetMinor, currency: order.Currency);
        if (inserted && order.NetMinor > 0)
            ReadModelStore.NotifyPlayer(context, order.PlayerId, "prize_won",
                $"You won {Amount(order.NetMinor)} in {order.ContestId}",
                $"Rank {order.Rank}: {Amount(order.GrossMinor)}, less a platform fee of {Amount(order.FeeMinor)}, is " +
                "on its way.");
    }
}
