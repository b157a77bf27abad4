using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Scoring.Contests;

/// <summary>
/// A contest Ingestion accepted: the referee starts keeping it (SCHEDULED), and this instance
/// its board, as the owner of the partition of <c>contest.lifecycle</c> it arrived on. Only a definition
/// the operators sealed (<see cref="DefinitionSeals"/>): one Ingestion altered or made up is refused with a
/// critical alert, and the contest never starts here.
/// </summary>
public sealed class ContestScheduledHandler(LiveBoards boards, MessageVerifier verifier)
    : MessageHandler<ContestScheduled>
{
    public override async Task HandleAsync(ContestScheduled message, HandlerContext context, CancellationToken ct)
    {
        var definition = message.Definition;
        if (verifier.DefinitionRefusal(definition, out _) is { } refusal)
            throw new MessageRejectedException(refusal + "; refused, the contest is not kept",
                AlertSeverities.Critical);
        var partition = context.Incoming?.Partition;
        if (await ContestStore.InsertContestAsync(context, definition, partition))
            context.OnCommitted(() => boards.AddContest(definition, ContestState.Scheduled, partition));
    }
}
