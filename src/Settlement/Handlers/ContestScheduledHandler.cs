using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Handlers;

/// <summary>
/// A contest Ingestion accepted: Settlement keeps its definition (its prize table and pool rule), OPEN.
/// </summary>
public sealed class ContestScheduledHandler : MessageHandler<ContestScheduled>
{
    public override Task HandleAsync(ContestScheduled message, HandlerContext context, CancellationToken ct) =>
        SettlementStore.InsertContestAsync(context, message.Definition);
}
