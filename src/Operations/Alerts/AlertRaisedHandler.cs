using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Alerts;

/// <summary>Every alert lands here, open until an operator acts; a critical one also pages the operators.</summary>
public sealed class AlertRaisedHandler : MessageHandler<AlertRaised>
{
    /// <summary>Anyone may write alerts: one sent first under another's id must not hide it.</summary>
    public override bool KeyedByContent => true;

    public override async Task HandleAsync(AlertRaised raised, HandlerContext context, CancellationToken ct)
    {
        if (await AlertStore.RaisedAsync(context, raised) is not { } alert) return;
        if (alert.Severity == AlertSeverities.Critical)
            ReadModelStore.Notify(context, NotificationRequested.Operators, NotificationRequested.Operators,
                "critical_alert",
                $"[CRITICAL] {alert.Code}: {alert.Subject}", alert.Message, AlertSeverities.Critical);
    }
}
