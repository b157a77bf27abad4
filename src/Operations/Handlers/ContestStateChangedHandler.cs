using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A lifecycle transition with its reason (one topic, keyed by contest: they arrive in order).</summary>
public sealed class ContestStateChangedHandler : MessageHandler<ContestStateChanged>
{
    public override async Task HandleAsync(ContestStateChanged c, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, c.ContestId, "state", $"{c.From} → {c.To}: {c.Reason}");
        await ReadModelStore.ExecuteAsync(context,
            "UPDATE operations.contests SET state = @To, state_reason = @Reason, state_at = @ChangedAt WHERE contest_id = @ContestId", c);
    }
}
