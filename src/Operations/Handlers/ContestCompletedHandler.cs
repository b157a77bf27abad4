using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>COMPLETE: the final standings' and inputs' hashes.</summary>
public sealed class ContestCompletedHandler : MessageHandler<ContestCompleted>
{
    public override async Task HandleAsync(ContestCompleted c, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, c.ContestId, "completed",
            $"final standings of {c.EntryCount} entries in {c.StandingsChunks} chunks; standings hash {c.StandingsHash}, inputs hash {c.InputsHash}");
        await ReadModelStore.ExecuteAsync(context,
            "UPDATE operations.contests SET standings_hash = @StandingsHash, inputs_hash = @InputsHash WHERE contest_id = @ContestId", c);
    }
}
