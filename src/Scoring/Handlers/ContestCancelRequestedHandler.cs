using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Store;

namespace ContestPipeline.Scoring.Handlers;

/// <summary>
/// An operator's cancel, passed on by Ingestion; the referee applies it if the contest is not
/// live yet. Ingestion passes on no cancel for a live contest, so one that arrives for a contest
/// past LOCKED is refused, not recorded: late (LIVE) with a warning, and with a critical alert
/// once the contest is COMPLETE or beyond, where a cancel would refund fees whose prizes are owed.
/// </summary>
public sealed class ContestCancelRequestedHandler : MessageHandler<ContestCancelRequested>
{
    public override async Task HandleAsync(ContestCancelRequested request, HandlerContext context, CancellationToken ct)
    {
        var contest = await ScoringStore.ContestForEntryAsync(context, request.ContestId)
            ?? throw new MessageRejectedException($"cancel of contest {request.ContestId}, which the referee has not seen scheduled");
        if (contest.State == ContestState.Cancelled) return;
        if (contest.State is not (ContestState.Scheduled or ContestState.Locked))
            throw new MessageRejectedException(
                $"cancel of contest {request.ContestId} refused: the referee has it {ContestLifecycle.Name(contest.State)}; only a SCHEDULED or LOCKED contest can be cancelled",
                contest.State == ContestState.Live ? AlertSeverities.Warning : AlertSeverities.Critical);
        await ScoringStore.RecordCancelRequestAsync(context, request.ContestId);
    }
}
