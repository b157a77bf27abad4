using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Decisions;

namespace ContestPipeline.Operations.Alerts;

/// <summary>
/// An operator acknowledged an alert (it may arrive before the alert itself: it applies when the alert does).
/// </summary>
public sealed class AlertAcknowledgedHandler : MessageHandler<AlertAcknowledged>
{
    public override async Task HandleAsync(AlertAcknowledged acknowledged, HandlerContext context, CancellationToken ct)
    {
        await AlertStore.ActedAsync(context, acknowledged.AlertId, AlertAction.Acknowledge, acknowledged.Operator,
            acknowledged.Note,
            acknowledged.DecidedAt);
        await DecisionStore.DecisionAsync(context, "alert-ack", acknowledged.Operator, acknowledged.AlertId,
            acknowledged.Note,
            acknowledged.DecidedAt);
    }
}
