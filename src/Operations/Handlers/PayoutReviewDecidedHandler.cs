using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An operator's release or reject, as published (what Payout made of it follows on payouts.status).</summary>
public sealed class PayoutReviewDecidedHandler : MessageHandler<PayoutReviewDecided>
{
    public override async Task HandleAsync(PayoutReviewDecided decision, HandlerContext context, CancellationToken ct)
    {
        await OperatorStore.DecisionAsync(context, "payout-" + decision.Decision, decision.Operator, decision.PayoutId,
            decision.Reason,
            decision.DecidedAt);
        await MoneyStore.HistoryAsync(context, decision.PayoutId, decision.ContestId, decision.Decision + "_decided",
            decision.Reason,
            @operator: decision.Operator);
    }
}
