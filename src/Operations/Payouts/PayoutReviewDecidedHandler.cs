using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Decisions;

namespace ContestPipeline.Operations.Payouts;

/// <summary>An operator's release or reject, as published (what Payout made of it follows on payouts.status).</summary>
public sealed class PayoutReviewDecidedHandler : MessageHandler<PayoutReviewDecided>
{
    public override async Task HandleAsync(PayoutReviewDecided decision, HandlerContext context, CancellationToken ct)
    {
        await DecisionStore.DecisionAsync(context, "payout-" + decision.Decision, decision.Operator, decision.PayoutId,
            decision.Reason,
            decision.DecidedAt);
        await MoneyHistoryStore.HistoryAsync(context, decision.PayoutId, decision.ContestId,
            decision.Decision + "_decided", decision.Reason,
            @operator: decision.Operator);
    }
}
