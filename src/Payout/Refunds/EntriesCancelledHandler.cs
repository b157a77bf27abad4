using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// A contest's cancel as Ingestion applied it (on <c>contest.lifecycle</c>, published as it stopped taking entries):
/// like entries closing, nothing of it is accepted after, so Ingestion's refunds of its payments that made no entry
/// are grounded from here on (<see cref="RefundStore.GroundAsync"/>). Settlement's refunds of its entries never wait.
/// </summary>
public sealed class EntriesCancelledHandler : MessageHandler<ContestCancelRequested>
{
    public override Task HandleAsync(ContestCancelRequested cancelled, HandlerContext context, CancellationToken ct) =>
        RefundStore.GroundAsync(context, cancelled.ContestId, null, null, context.Clock.GetUtcNow());
}
