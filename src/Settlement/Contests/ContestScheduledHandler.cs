using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// A contest Ingestion accepted: Settlement keeps its definition (its prize table and pool rule), OPEN. Ingestion
/// schedules a contest once; the same definition again is a redelivery, another one is refused with a critical alert
/// and changes nothing (the contest's prize table and fee stay the ones its entries were taken under).
/// </summary>
public sealed class ContestScheduledHandler : MessageHandler<ContestScheduled>
{
    public override async Task HandleAsync(ContestScheduled message, HandlerContext context, CancellationToken ct)
    {
        if (!await ContestStore.InsertContestAsync(context, message.Definition))
            throw new MessageRejectedException($"contest {message.Definition.ContestId} is already scheduled in "
                + "Settlement with another definition; refused, nothing changes", AlertSeverities.Critical);
    }
}
