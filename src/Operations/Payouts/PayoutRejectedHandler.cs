using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Payouts;

/// <summary>An operator's rejection, applied: the prize is withheld.</summary>
public sealed class PayoutRejectedHandler : MessageHandler<PayoutRejected>
{
    public override Task HandleAsync(PayoutRejected rejected, HandlerContext context, CancellationToken ct) =>
        MoneyHistoryStore.HistoryAsync(context, rejected.PayoutId, rejected.ContestId, "rejected", rejected.Reason,
            @operator: rejected.Operator,
            amountMinor: rejected.AmountMinor, currency: rejected.Currency);
}
