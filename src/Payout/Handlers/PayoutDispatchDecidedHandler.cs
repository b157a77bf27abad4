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
    public override async Task HandleAsync(PayoutDispatchDecided d, HandlerContext context, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(d.Operator) || string.IsNullOrWhiteSpace(d.Reason))
            throw new MessageRejectedException($"dispatch decision {d.DecisionId}: it must name its operator and reason");
        var halted = d.Action switch
        {
            PayoutDispatchDecided.Halt => true,
            PayoutDispatchDecided.Resume => false,
            _ => throw new MessageRejectedException($"dispatch decision {d.DecisionId}: action '{d.Action}' is neither halt nor resume"),
        };
        if (await DispatchStore.SetAsync(context, d, halted)) DispatchStore.PublishChanged(context, d, halted);
    }
}
