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
    /// <summary>A service may raise an alert twice under one id with different content: neither may be lost.</summary>
    public override bool KeyedByContent => true;

    public override async Task HandleAsync(AlertRaised raised, HandlerContext context, CancellationToken ct)
    {
        // Alerts are signed (PublishRights): the core verified which service's key signed this one. A service that
        // raises an alert under another's name or id (to page with its text, or to take a genuine alert's id) is
        // refused and is itself the alert.
        var producer = context.Incoming?.Producer;
        if (producer is null || !AlertRaised.IsRaisedBy(raised.Source, raised.AlertId, producer))
            throw new MessageRejectedException($"alert {raised.AlertId} from source {raised.Source} was signed by " +
                $"{producer ?? "no producer"}: a service raises alerts only under its own name and ids",
                AlertSeverities.Critical);
        if (await AlertStore.RaisedAsync(context, raised) is not { } alert) return;
        // One kind per severity: a warning sent first under a critical alert's id takes no notification id from it.
        if (alert.Severity is AlertSeverities.Critical or AlertSeverities.Warning)
            ReadModelStore.Notify(context, NotificationRequested.Operators, NotificationRequested.Operators,
                alert.Severity + "_alert", OperatorEmailSubject.For(alert), alert.Message, alert.Severity);
    }
}
