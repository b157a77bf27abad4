using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Contests;

/// <summary>An operator's cancel, as Ingestion passed it on the timeline.</summary>
public sealed class ContestCancelRequestedHandler : MessageHandler<ContestCancelRequested>
{
    public override Task HandleAsync(ContestCancelRequested request, HandlerContext context, CancellationToken ct) =>
        ContestStore.TimelineAsync(context, request.ContestId, "cancel_requested",
            $"cancel requested by {request.RequestedBy}: {request.Reason}");
}
