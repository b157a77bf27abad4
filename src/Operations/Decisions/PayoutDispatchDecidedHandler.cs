using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Decisions;

/// <summary>
/// An operator's halt or resume of automated payouts, as published (on payouts.control, or
/// payouts.due before it): a resume with the halt it ends as its subject. Payout's answer is
/// PayoutDispatchChanged, or a dead letter with an alert when it refuses a resume.
/// </summary>
public sealed class PayoutDispatchDecidedHandler : MessageHandler<PayoutDispatchDecided>
{
    public override Task HandleAsync(PayoutDispatchDecided decision, HandlerContext context, CancellationToken ct) =>
        DecisionStore.DecisionAsync(context, "payouts-" + decision.Action, decision.Operator,
            decision.Ends is null ? "payouts" : "halt " + decision.Ends, decision.Reason, decision.DecidedAt);
}
