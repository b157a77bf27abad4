using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Contests;

/// <summary>A lifecycle transition with its reason (one topic, keyed by contest: they arrive in order).</summary>
public sealed class ContestStateChangedHandler : MessageHandler<ContestStateChanged>
{
    public override async Task HandleAsync(ContestStateChanged change, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.TimelineAsync(context, change.ContestId, "state",
            $"{change.From} → {change.To}: {change.Reason}");
        await ContestStore.StateChangedAsync(context, change);
    }
}
