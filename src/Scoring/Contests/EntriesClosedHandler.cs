using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Scoring.Contests;

/// <summary>
/// Ingestion stopped taking entries: once every one of them is here, the referee locks the contest (or cancels it,
/// under-filled).
/// </summary>
public sealed class EntriesClosedHandler : MessageHandler<EntriesClosed>
{
    public override async Task HandleAsync(EntriesClosed closed, HandlerContext context, CancellationToken ct)
    {
        if (!await ContestStore.RecordEntriesClosedAsync(context, closed))
            throw new MessageRejectedException($"entries closed for contest {closed.ContestId}, which the referee " +
                "has not seen scheduled");
    }
}
