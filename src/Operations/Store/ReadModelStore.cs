using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Operations.Store;

/// <summary>
/// Every write of the read model. Each is keyed by the message that brought it (its id, its
/// occurred-at), so applying a message again, or replaying every topic into an empty schema,
/// writes the same rows. Nothing here reads the clock.
/// </summary>
public static class ReadModelStore
{
    /// <summary>When the message being handled happened: the only time the read model records.</summary>
    public static DateTimeOffset At(HandlerContext context) => context.Incoming!.Envelope.OccurredAt;

    public static string MessageId(HandlerContext context) => context.Incoming!.Envelope.MessageId;

    public static Task<int> ExecuteAsync(HandlerContext context, string sql, object args) =>
        context.Connection.ExecuteAsync(sql, args, context.Transaction);

    // ---- the contest timeline ------------------------------------------------------------------

    /// <summary>One fact on a contest's timeline; a contest not seen yet gets a placeholder row.</summary>
    public static async Task TimelineAsync(HandlerContext context, string contestId, string kind, string summary)
    {
        await EnsureContestAsync(context, contestId);
        await ExecuteAsync(context, """
            INSERT INTO operations.contest_events (message_id, contest_id, at, kind, summary) VALUES (@id, @contestId, @at, @kind, @summary)
            ON CONFLICT DO NOTHING
            """, new { id = MessageId(context), contestId, at = At(context), kind, summary });
    }

    public static Task EnsureContestAsync(HandlerContext context, string contestId) =>
        ExecuteAsync(context, "INSERT INTO operations.contests (contest_id, state) VALUES (@contestId, 'UNKNOWN') ON CONFLICT DO NOTHING", new { contestId });

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, OutgoingMessage.Json);

    // ---- money history ---------------------------------------------------------------------------

    /// <summary>One step of a payout's or refund's history (append-only); a step seen again is one row.</summary>
    public static Task HistoryAsync(HandlerContext context, string subjectId, string contestId, string @event, string reason,
        string? state = null, string? holdKind = null, string? @operator = null, long? amountMinor = null, string? currency = null) =>
        ExecuteAsync(context, """
            INSERT INTO operations.money_history (message_id, subject_id, contest_id, at, event, state, hold_kind, operator, reason, amount_minor, currency)
            VALUES (@id, @subjectId, @contestId, @at, @event, @state, @holdKind, @operator, @reason, @amountMinor, @currency) ON CONFLICT DO NOTHING
            """, new { id = MessageId(context), subjectId, contestId, at = At(context), @event, state, holdKind, @operator, reason, amountMinor, currency });

    // ---- alerts ----------------------------------------------------------------------------------

    /// <summary>
    /// An alert's state from its acknowledgements and resolutions in the order they were made,
    /// whichever arrived first: resolved once resolved; acknowledged once acknowledged.
    /// </summary>
    public static Task RecomputeAlertAsync(HandlerContext context, string alertId) =>
        ExecuteAsync(context, """
            WITH ack AS (SELECT operator, at, note FROM operations.alert_actions WHERE alert_id = @alertId AND action = 'ack' ORDER BY at, message_id LIMIT 1),
                 res AS (SELECT operator, at, note FROM operations.alert_actions WHERE alert_id = @alertId AND action = 'resolve' ORDER BY at, message_id LIMIT 1)
            UPDATE operations.alerts SET
                state = CASE WHEN EXISTS (SELECT 1 FROM res) THEN 'resolved' WHEN EXISTS (SELECT 1 FROM ack) THEN 'acknowledged' ELSE 'open' END,
                acked_by = (SELECT operator FROM ack), acked_at = (SELECT at FROM ack), ack_note = (SELECT note FROM ack),
                resolved_by = (SELECT operator FROM res), resolved_at = (SELECT at FROM res), resolve_note = (SELECT note FROM res)
            WHERE alert_id = @alertId
            """, new { alertId });

    /// <summary>
    /// Serialises the two consumers that touch one alert (the alert itself on <c>alerts</c>, an
    /// operator's action on <c>operations</c>) for the rest of the transaction: without it, each
    /// could recompute the alert's state before the other committed, and the action be lost.
    /// </summary>
    public static Task LockAlertAsync(HandlerContext context, string alertId) =>
        ExecuteAsync(context, "SELECT pg_advisory_xact_lock(hashtextextended('operations.alert:' || @alertId, 0))", new { alertId });

    public static async Task AlertActionAsync(HandlerContext context, string alertId, string action, string @operator, string note, DateTimeOffset at)
    {
        await LockAlertAsync(context, alertId);
        await ExecuteAsync(context, """
            INSERT INTO operations.alert_actions (message_id, alert_id, action, operator, note, at) VALUES (@id, @alertId, @action, @operator, @note, @at)
            ON CONFLICT DO NOTHING
            """, new { id = MessageId(context), alertId, action, @operator, note, at });
        await RecomputeAlertAsync(context, alertId);
    }

    public static async Task DecisionAsync(HandlerContext context, string decision, string @operator, string subject, string reason, DateTimeOffset at) =>
        await ExecuteAsync(context, """
            INSERT INTO operations.decisions (message_id, decision, operator, subject, reason, at) VALUES (@id, @decision, @operator, @subject, @reason, @at)
            ON CONFLICT DO NOTHING
            """, new { id = MessageId(context), decision, @operator, subject, reason, at });

    // ---- notifications -----------------------------------------------------------------------------

    /// <summary>
    /// Asks the notification sender to tell someone about the fact being handled; the id is
    /// derived from that fact, so a replay asks again under the same id (the sender's inbox keeps
    /// it once).
    /// </summary>
    public static void Notify(HandlerContext context, string audience, string recipient, string kind, string subject, string text,
        string severity = AlertSeverities.Info)
    {
        var about = MessageId(context);
        var id = NotificationRequested.MessageIdFor(kind, about);
        context.Publish(Topics.Notifications, recipient, id,
            new NotificationRequested(id, audience, recipient, kind, severity, subject, text, about, At(context)));
    }

    public static void NotifyPlayer(HandlerContext context, string playerId, string kind, string subject, string text) =>
        Notify(context, NotificationRequested.Player, playerId, kind, subject, text);
}
