using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Contests;

/// <summary>COMPLETE: the final standings' and inputs' hashes.</summary>
public sealed class ContestCompletedHandler : MessageHandler<ContestCompleted>
{
    public override async Task HandleAsync(ContestCompleted completed, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.TimelineAsync(context, completed.ContestId, "completed",
            $"final standings of {completed.EntryCount} entries in {completed.StandingsChunks} chunks; " +
            $"standings hash {completed.StandingsHash}, inputs hash {completed.InputsHash}");
        await ContestStore.CompletedAsync(context, completed);
    }
}
