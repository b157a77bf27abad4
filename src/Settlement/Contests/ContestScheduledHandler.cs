using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Settlement.Contests;

/// <summary>
/// A contest Ingestion accepted: Settlement keeps its definition (its prize table and pool rule), OPEN. Ingestion
/// schedules a contest once; the same definition again is a redelivery, another one is refused with a critical alert
/// and changes nothing (the contest's prize table and fee stay the ones its entries were taken under). Only a
/// definition the operators sealed (<see cref="DefinitionSeals"/>): one Ingestion altered or made up is refused
/// with a critical alert, so no fee is booked to it and no prize is ever ordered for it.
/// </summary>
public sealed class ContestScheduledHandler(MessageVerifier verifier) : MessageHandler<ContestScheduled>
{
    public override async Task HandleAsync(ContestScheduled message, HandlerContext context, CancellationToken ct)
    {
        if (verifier.DefinitionRefusal(message.Definition, out _) is { } refusal)
            throw new MessageRejectedException(refusal + "; refused, Settlement keeps no such contest",
                AlertSeverities.Critical);
        if (!await ContestStore.InsertContestAsync(context, message.Definition))
            throw new MessageRejectedException($"contest {message.Definition.ContestId} is already scheduled in "
                + "Settlement with another definition; refused, nothing changes", AlertSeverities.Critical);
    }
}
