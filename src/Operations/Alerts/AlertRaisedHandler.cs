using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Alerts;

/// <summary>
/// Every alert lands here, open until an operator acts; a warning or a critical one is also emailed to the operators
/// who take its severity (the notification sender's setting), once: its notification's id is the alert's message id
/// and its severity. Up to <paramref name="emailsPerSourcePerHour"/> a source an hour (this worker's clock, not the
/// alert's own time, which its producer writes): the next one is emailed as a critical notice that the source is
/// flooding, and the rest of that hour's are on the console only, so one service, broken or compromised, cannot bury
/// the operators' inboxes under its own name.
/// </summary>
public sealed class AlertRaisedHandler(int emailsPerSourcePerHour) : MessageHandler<AlertRaised>
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
        if (alert.Severity is not (AlertSeverities.Critical or AlertSeverities.Warning)) return;
        var now = context.Clock.GetUtcNow();
        var emailed = await AlertStore.CountEmailAsync(context, alert.Source, now);
        // One kind per severity: a warning sent first under a critical alert's id takes no notification id from it.
        if (emailed <= emailsPerSourcePerHour)
            ReadModelStore.Notify(context, NotificationRequested.Operators, NotificationRequested.Operators,
                alert.Severity + "_alert", OperatorEmailSubject.For(alert), alert.Message, alert.Severity);
        else if (emailed == emailsPerSourcePerHour + 1)
            ReadModelStore.Notify(context, NotificationRequested.Operators, NotificationRequested.Operators,
                "alert_flood", $"[CRITICAL] alert_flood: {alert.Source}", Flood(alert, emailsPerSourcePerHour, now),
                AlertSeverities.Critical);
    }

    private static string Flood(AlertRaised alert, int budget, DateTimeOffset now) =>
        $"{alert.Source} raised more than {budget} warning and critical alerts within the hour from " +
        $"{now:yyyy-MM-dd HH}:00 UTC. Its alerts from this one ({alert.AlertId}, {alert.Code}) to the end of the " +
        "hour are on the console's Alerts page and are not emailed. A service raising alerts this fast is broken or " +
        "not itself: look at it before its alerts.";
}
