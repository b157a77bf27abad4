using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// A contest's entries closed: every acceptance of it came before on the same partition, so Ingestion's refunds of
/// its payments that made no entry (found by reconciliation after the close) are grounded from here on
/// (<see cref="RefundStore.GroundAsync"/>); one of an accepted entry's fee was refused when it came.
/// </summary>
public sealed class EntriesClosedHandler : MessageHandler<EntriesClosed>
{
    public override Task HandleAsync(EntriesClosed closed, HandlerContext context, CancellationToken ct) =>
        RefundStore.GroundAsync(context, closed.ContestId, null, null, closed.ClosedAt);
}
