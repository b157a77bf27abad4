using ContestPipeline.Contracts.Operations;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An operator acknowledged an alert (it may arrive before the alert itself: it applies when the alert does).</summary>
public sealed class AlertAcknowledgedHandler : MessageHandler<AlertAcknowledged>
{
    public override async Task HandleAsync(AlertAcknowledged d, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.AlertActionAsync(context, d.AlertId, "ack", d.Operator, d.Note, d.DecidedAt);
        await ReadModelStore.DecisionAsync(context, "alert-ack", d.Operator, d.AlertId, d.Note, d.DecidedAt);
    }
}
