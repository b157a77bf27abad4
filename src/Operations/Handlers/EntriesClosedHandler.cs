using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Entries closed: how many, and the hash of their ids.</summary>
public sealed class EntriesClosedHandler : MessageHandler<EntriesClosed>
{
    public override async Task HandleAsync(EntriesClosed c, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, c.ContestId, "entries_closed", $"entries closed: {c.EntryCount} entries, entries hash {c.EntriesHash}");
        await ReadModelStore.ExecuteAsync(context, "UPDATE operations.contests SET entries_hash = @EntriesHash WHERE contest_id = @ContestId", c);
    }
}
