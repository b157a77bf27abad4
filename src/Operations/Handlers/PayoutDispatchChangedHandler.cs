using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Payout says it halted or resumed automated transfers and refunds.</summary>
public sealed class PayoutDispatchChangedHandler : MessageHandler<PayoutDispatchChanged>
{
    public override Task HandleAsync(PayoutDispatchChanged change, HandlerContext context, CancellationToken ct) =>
        OperatorStore.DispatchChangedAsync(context, change);
}
