using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Scoring.Contests;

/// <summary>
/// An operator's cancel, passed on by Ingestion; the referee applies it if the contest has not
/// completed. The contest's row is locked here and by the referee's move, so a cancel racing
/// COMPLETE is decided by whichever commits first: recorded before, it wins (the rules check a
/// cancel before completion); arriving after, it is refused with a critical alert, since it would
/// refund fees whose prizes are owed.
/// </summary>
public sealed class ContestCancelRequestedHandler : MessageHandler<ContestCancelRequested>
{
    public override async Task HandleAsync(ContestCancelRequested request, HandlerContext context, CancellationToken ct)
    {
        var contest = await ContestStore.ContestForEntryAsync(context, request.ContestId)
            ?? throw new MessageRejectedException($"cancel of contest {request.ContestId}, which the referee has not " +
                "seen scheduled");
        if (contest.State == ContestState.Cancelled) return;
        if (contest.State is not (ContestState.Scheduled or ContestState.Locked or ContestState.Live))
            throw new MessageRejectedException(
                $"cancel of contest {request.ContestId} refused: the referee has it " +
                $"{ContestLifecycle.Name(contest.State)}; "
                + "only a contest not yet COMPLETE can be cancelled", AlertSeverities.Critical);
        await ContestStore.RecordCancelRequestAsync(context, request.ContestId);
    }
}
