using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Payout says it halted or resumed automated transfers and refunds.</summary>
public sealed class PayoutDispatchChangedHandler : MessageHandler<PayoutDispatchChanged>
{
    public override Task HandleAsync(PayoutDispatchChanged c, HandlerContext context, CancellationToken ct) =>
        ReadModelStore.ExecuteAsync(context, """
            UPDATE operations.dispatch SET halted = @Halted, decision_id = @DecisionId, operator = @Operator, reason = @Reason, changed_at = @At
            WHERE changed_at IS NULL OR changed_at <= @At
            """, c);
}
