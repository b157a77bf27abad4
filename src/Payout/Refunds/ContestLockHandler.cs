using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// When a contest locks, as Ingestion scheduled it: Ingestion closes its entries then, so an Ingestion refund of the
/// contest still waiting for its grounds well after it is alerted on (<see cref="AlertUngroundedRefundsJob"/>).
/// </summary>
public sealed class ContestLockHandler : MessageHandler<ContestScheduled>
{
    public override Task HandleAsync(ContestScheduled scheduled, HandlerContext context, CancellationToken ct) =>
        RefundStore.RecordLockAsync(context, scheduled.Definition.ContestId, scheduled.Definition.LockAt);
}
