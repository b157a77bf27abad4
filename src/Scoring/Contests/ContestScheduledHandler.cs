using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Scoring.Contests;

/// <summary>
/// A contest Ingestion accepted: the referee starts keeping it (SCHEDULED), and this instance
/// its board, as the owner of the partition of <c>contest.lifecycle</c> it arrived on.
/// </summary>
public sealed class ContestScheduledHandler(LiveBoards boards) : MessageHandler<ContestScheduled>
{
    public override async Task HandleAsync(ContestScheduled message, HandlerContext context, CancellationToken ct)
    {
        var definition = message.Definition;
        var partition = context.Incoming?.Partition;
        if (await ContestStore.InsertContestAsync(context, definition, partition))
            context.OnCommitted(() => boards.AddContest(definition, ContestState.Scheduled, partition));
    }
}
