using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Alerts;

/// <summary>Every alert lands here, open until an operator acts; a critical one also pages the operators.</summary>
public sealed class AlertRaisedHandler : MessageHandler<AlertRaised>
{
    public override async Task HandleAsync(AlertRaised alert, HandlerContext context, CancellationToken ct)
    {
        if (!await AlertStore.RaisedAsync(context, alert)) return;
        if (alert.Severity == AlertSeverities.Critical)
            ReadModelStore.Notify(context, NotificationRequested.Operators, NotificationRequested.Operators,
                "critical_alert",
                $"[CRITICAL] {alert.Code}: {alert.Subject}", alert.Message, AlertSeverities.Critical);
    }
}
