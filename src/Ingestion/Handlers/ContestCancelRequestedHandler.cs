using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Handlers;

/// <summary>
/// An operator's cancel of a contest that has not gone live: entries stop at once, and the
/// request is passed on the contest's timeline for the referee to apply.
/// </summary>
public sealed class ContestCancelRequestedHandler : MessageHandler<ContestCancelRequested>
{
    public override async Task HandleAsync(ContestCancelRequested request, HandlerContext context, CancellationToken ct)
    {
        var contest = await IngestionStore.ContestForUpdateAsync(context, request.ContestId)
            ?? throw new MessageRejectedException($"cannot cancel unknown contest {request.ContestId}");
        if (await IngestionStore.HasStartedGameAsync(context, request.ContestId))
            throw new MessageRejectedException($"cannot cancel contest {request.ContestId}: a covered game has started, so it is live");
        if (contest.State == EntriesStatus.Cancelled) return;
        await IngestionStore.MoveAsync(context, request.ContestId, contest.State, EntriesStatus.Cancelled);
        context.Publish(Topics.ContestLifecycle, request.ContestId, $"contest:{request.ContestId}:cancel-requested", request);
    }
}
