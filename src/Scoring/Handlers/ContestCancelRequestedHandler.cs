using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Store;

namespace ContestPipeline.Scoring.Handlers;

/// <summary>An operator's cancel, passed on by Ingestion; the referee applies it if the contest is not live yet.</summary>
public sealed class ContestCancelRequestedHandler : MessageHandler<ContestCancelRequested>
{
    public override async Task HandleAsync(ContestCancelRequested request, HandlerContext context, CancellationToken ct)
    {
        if (!await ScoringStore.RecordCancelRequestAsync(context, request.ContestId))
            throw new MessageRejectedException($"cancel of contest {request.ContestId}, which the referee has not seen scheduled");
    }
}
