using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Contests;

/// <summary>Entries closed: how many, and the hash of their ids.</summary>
public sealed class EntriesClosedHandler : MessageHandler<EntriesClosed>
{
    public override async Task HandleAsync(EntriesClosed closed, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.TimelineAsync(context, closed.ContestId, "entries_closed",
            $"entries closed: {closed.EntryCount} entries, entries hash {closed.EntriesHash}");
        await ContestStore.EntriesClosedAsync(context, closed);
    }
}
