using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An operator's release or reject, as published (what Payout made of it follows on payouts.status).</summary>
public sealed class PayoutReviewDecidedHandler : MessageHandler<PayoutReviewDecided>
{
    public override async Task HandleAsync(PayoutReviewDecided d, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.DecisionAsync(context, "payout-" + d.Decision, d.Operator, d.PayoutId, d.Reason, d.DecidedAt);
        await ReadModelStore.HistoryAsync(context, d.PayoutId, d.ContestId, d.Decision + "_decided", d.Reason, @operator: d.Operator);
    }
}
