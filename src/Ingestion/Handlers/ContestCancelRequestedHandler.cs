using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Handlers;

/// <summary>
/// An operator's cancel of a contest, live or not: entries stop at once, and the request is
/// passed on the contest's timeline. Whether it is still in time (before COMPLETE) is the
/// referee's to say, since only the referee knows whether the contest has completed.
/// </summary>
public sealed class ContestCancelRequestedHandler : MessageHandler<ContestCancelRequested>
{
    public override async Task HandleAsync(ContestCancelRequested request, HandlerContext context, CancellationToken ct)
    {
        var contest = await IngestionStore.ContestForUpdateAsync(context, request.ContestId)
            ?? throw new MessageRejectedException($"cannot cancel unknown contest {request.ContestId}");
        if (contest.State == EntriesStatus.Cancelled) return;
        await IngestionStore.MoveAsync(context, request.ContestId, contest.State, EntriesStatus.Cancelled);
        context.Publish(Topics.ContestLifecycle, request.ContestId, $"contest:{request.ContestId}:cancel-requested", request);
    }
}
