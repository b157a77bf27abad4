using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An operator's halt or resume of automated payouts, as published (Payout's answer is PayoutDispatchChanged).</summary>
public sealed class PayoutDispatchDecidedHandler : MessageHandler<PayoutDispatchDecided>
{
    public override Task HandleAsync(PayoutDispatchDecided decision, HandlerContext context, CancellationToken ct) =>
        OperatorStore.DecisionAsync(context, "payouts-" + decision.Action, decision.Operator, "payouts", decision.Reason, decision.DecidedAt);
}
