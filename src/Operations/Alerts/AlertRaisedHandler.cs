using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Alerts;

/// <summary>
/// Every alert lands here, open until an operator acts; a warning or a critical one is also emailed to the operators
/// who take its severity (the notification sender's setting), once: its notification's id is the alert's message id
/// and its severity.
/// </summary>
public sealed class AlertRaisedHandler : MessageHandler<AlertRaised>
{
    /// <summary>Anyone may write alerts: one sent first under another's id must not hide it.</summary>
    public override bool KeyedByContent => true;

    public override async Task HandleAsync(AlertRaised raised, HandlerContext context, CancellationToken ct)
    {
        if (await AlertStore.RaisedAsync(context, raised) is not { } alert) return;
        // One kind per severity: a warning sent first under a critical alert's id takes no notification id from it.
        if (alert.Severity is AlertSeverities.Critical or AlertSeverities.Warning)
            ReadModelStore.Notify(context, NotificationRequested.Operators, NotificationRequested.Operators,
                alert.Severity + "_alert", OperatorEmailSubject.For(alert), alert.Message, alert.Severity);
    }
}
