using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An operator's rejection, applied: the prize is withheld.</summary>
public sealed class PayoutRejectedHandler : MessageHandler<PayoutRejected>
{
    public override Task HandleAsync(PayoutRejected rejected, HandlerContext context, CancellationToken ct) =>
        MoneyStore.HistoryAsync(context, rejected.PayoutId, rejected.ContestId, "rejected", rejected.Reason,
            @operator: rejected.Operator,
            amountMinor: rejected.AmountMinor, currency: rejected.Currency);
}
