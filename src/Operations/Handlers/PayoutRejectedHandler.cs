using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An operator's rejection, applied: the prize is withheld.</summary>
public sealed class PayoutRejectedHandler : MessageHandler<PayoutRejected>
{
    public override Task HandleAsync(PayoutRejected r, HandlerContext context, CancellationToken ct) =>
        ReadModelStore.HistoryAsync(context, r.PayoutId, r.ContestId, "rejected", r.Reason, @operator: r.Operator, amountMinor: r.AmountMinor, currency: r.Currency);
}
