using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Every alert lands here, open until an operator acts; a critical one also pages the operators.</summary>
public sealed class AlertRaisedHandler : MessageHandler<AlertRaised>
{
    public override async Task HandleAsync(AlertRaised a, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.LockAlertAsync(context, a.AlertId);
        var inserted = await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.alerts (alert_id, source, severity, code, subject, message, raised_at, state)
            VALUES (@AlertId, @Source, @Severity, @Code, @Subject, @Message, @RaisedAt, 'open') ON CONFLICT DO NOTHING
            """, a);
        if (inserted == 0) return;
        await ReadModelStore.RecomputeAlertAsync(context, a.AlertId);
        if (a.Severity == AlertSeverities.Critical)
            ReadModelStore.Notify(context, NotificationRequested.Operators, NotificationRequested.Operators, "critical_alert",
                $"[CRITICAL] {a.Code}: {a.Subject}", a.Message, AlertSeverities.Critical);
    }
}
