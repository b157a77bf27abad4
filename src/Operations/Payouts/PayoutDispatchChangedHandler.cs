using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Payouts;

/// <summary>Payout says it halted or resumed automated transfers and refunds.</summary>
public sealed class PayoutDispatchChangedHandler : MessageHandler<PayoutDispatchChanged>
{
    public override Task HandleAsync(PayoutDispatchChanged change, HandlerContext context, CancellationToken ct) =>
        PayoutStore.DispatchChangedAsync(context, change);
}
