using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Operations;

/// <summary>
/// What every store of the read model shares. Each write is keyed by the message that brought
/// it (its id, its occurred-at), so applying a message again, or replaying every topic into an
/// empty schema, writes the same rows. Nothing here reads the clock.
/// </summary>
public static class ReadModelStore
{
    /// <summary>When the message being handled happened: the only time the read model records.</summary>
    public static DateTimeOffset At(HandlerContext context) => context.Incoming!.Envelope.OccurredAt;

    public static string MessageId(HandlerContext context) => context.Incoming!.Envelope.MessageId;

    internal static Task<int> ExecuteAsync(HandlerContext context, string sql, object args) =>
        context.Connection.ExecuteAsync(sql, args, context.Transaction);

    internal static string Json<T>(T value) => JsonSerializer.Serialize(value, OutgoingMessage.Json);

    /// <summary>
    /// Asks the notification sender to tell someone about the fact being handled; the id is
    /// derived from that fact, so a replay asks again under the same id (the sender's inbox keeps
    /// it once).
    /// </summary>
    public static void Notify(HandlerContext context, string audience, string recipient, string kind, string subject,
        string text,
        string severity = AlertSeverities.Info) =>
        Notify(context, context.Incoming!.Envelope, audience, recipient, kind, subject, text, severity);

    /// <summary>
    /// <see cref="Notify(HandlerContext, string, string, string, string, string, string)"/> about a message of a run
    /// (a batch handler's), caused by it.
    /// </summary>
    public static void Notify(TransactionContext context, Envelope about, string audience, string recipient,
        string kind, string subject, string text, string severity = AlertSeverities.Info)
    {
        ArgumentNullException.ThrowIfNull(about);
        var id = NotificationRequested.MessageIdFor(kind, about.MessageId);
        context.Publish(Cause.Of(about), Topics.Notifications, recipient, id,
            new NotificationRequested(id, audience, recipient, kind, severity, subject, text, about.MessageId,
                about.OccurredAt));
    }

    public static void NotifyPlayer(HandlerContext context, string playerId, string kind, string subject,
        string text) =>
        Notify(context, NotificationRequested.Player, playerId, kind, subject, text);
}
