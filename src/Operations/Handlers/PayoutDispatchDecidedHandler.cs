using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An operator's halt or resume of automated payouts, as published (Payout's answer is PayoutDispatchChanged).</summary>
public sealed class PayoutDispatchDecidedHandler : MessageHandler<PayoutDispatchDecided>
{
    public override Task HandleAsync(PayoutDispatchDecided d, HandlerContext context, CancellationToken ct) =>
        ReadModelStore.DecisionAsync(context, "payouts-" + d.Action, d.Operator, "payouts", d.Reason, d.DecidedAt);
}
