using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// Ingestion's word that a submission's payment made no entry: what its refund order of that payment waits for
/// before it is sent (<see cref="RefundStore.GroundAsync"/>), so an order that arrives before Payout has read the
/// payment's fate is sent only on a rejection, and refused unsent on an acceptance
/// (<see cref="EntryAcceptedHandler"/>).
/// </summary>
public sealed class EntryRejectedHandler : MessageHandler<EntryRejected>
{
    public override Task HandleAsync(EntryRejected rejected, HandlerContext context, CancellationToken ct) =>
        RefundStore.GroundAsync(context, rejected.ContestId, rejected.PaymentIntentId, rejected.RefundId,
            context.Clock.GetUtcNow());
}
