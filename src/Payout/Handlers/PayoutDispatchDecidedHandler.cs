using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// The emergency stop: an operator halts every automated transfer and refund, or resumes them.
/// The jobs see it at their next claim (within their dispatch interval); what is already
/// being sent completes. A halt of a halted dispatch (or a resume of a running one) changes
/// nothing and publishes nothing.
/// </summary>
public sealed class PayoutDispatchDecidedHandler : MessageHandler<PayoutDispatchDecided>
{
    public override async Task HandleAsync(PayoutDispatchDecided decision, HandlerContext context, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(decision.Operator) || string.IsNullOrWhiteSpace(decision.Reason))
            throw new MessageRejectedException($"dispatch decision {decision.DecisionId}: it must name its operator and reason");
        var halted = decision.Action switch
        {
            PayoutDispatchDecided.Halt => true,
            PayoutDispatchDecided.Resume => false,
            _ => throw new MessageRejectedException($"dispatch decision {decision.DecisionId}: action '{decision.Action}' is neither halt nor resume"),
        };
        if (await DispatchStore.SetAsync(context, decision, halted)) DispatchStore.PublishChanged(context, decision, halted);
    }
}
