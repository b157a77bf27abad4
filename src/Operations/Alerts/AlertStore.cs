using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations.Alerts;

/// <summary>
/// Alerts and what operators did about them. An alert (on <c>alerts</c>) and the actions on it
/// (on <c>operations</c>) come through two consumers in any order; each records its fact and
/// then sets the alert's state from every action recorded so far (<see cref="AlertLifecycle"/>).
/// </summary>
public static class AlertStore
{
    /// <summary>
    /// The alert as recorded, open or as the actions already recorded make it; null when it was recorded already.
    /// The same id raised again with the same severity is the same alert (a condition found again). Under an id
    /// already taken with another severity it is recorded beside the first as <c>&lt;id&gt;#&lt;severity&gt;</c>:
    /// alerts are open to every process, and one sent first under a genuine alert's id (a harmless
    /// <c>info</c>, say) must not keep the genuine one from being seen or from paging.
    /// </summary>
    public static async Task<AlertRaised?> RaisedAsync(HandlerContext context, AlertRaised alert)
    {
        await LockAsync(context, alert.AlertId);
        var taken = await context.Connection.QueryFirstOrDefaultAsync<string?>(
            "SELECT severity FROM operations.alerts WHERE alert_id = @AlertId", alert, context.Transaction);
        if (taken == alert.Severity) return null;
        if (taken is not null) alert = alert with { AlertId = $"{alert.AlertId}#{alert.Severity}" };
        var inserted = await ExecuteAsync(context, """
            INSERT INTO operations.alerts (alert_id, source, severity, code, subject, message, raised_at, state)
            VALUES (@AlertId, @Source, @Severity, @Code, @Subject, @Message, @RaisedAt, 'open') ON CONFLICT DO NOTHING
            """, alert);
        if (inserted == 0) return null;
        await SettleStateAsync(context, alert.AlertId);
        return alert;
    }

    /// <summary>
    /// Counts one more warning or critical alert of <paramref name="source"/> in the hour that holds
    /// <paramref name="now"/>, and returns how many that hour has counted with it. The source's hours older than a
    /// day go in the same statement: the table holds a day per source at most.
    /// </summary>
    public static Task<int> CountEmailAsync(HandlerContext context, string source, DateTimeOffset now) =>
        context.Connection.ExecuteScalarAsync<int>("""
            WITH pruned AS (
                DELETE FROM operations.alert_email_budget
                WHERE source = @source AND hour < @now::timestamptz - interval '1 day')
            INSERT INTO operations.alert_email_budget (source, hour, emailed)
            VALUES (@source, date_trunc('hour', @now::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1)
            ON CONFLICT (source, hour) DO UPDATE SET emailed = alert_email_budget.emailed + 1
            RETURNING emailed
            """, new { source, now }, context.Transaction);

    public static async Task ActedAsync(HandlerContext context, string alertId, AlertAction action, string @operator,
        string note, DateTimeOffset at)
    {
        await LockAsync(context, alertId);
        await ExecuteAsync(context, """
            INSERT INTO operations.alert_actions (message_id, alert_id, action, operator, note, at)
            VALUES (@id, @alertId, @action, @operator, @note, @at) ON CONFLICT DO NOTHING
            """, new { id = MessageId(context), alertId, action = AlertLifecycle.Name(action), @operator, note, at });
        await SettleStateAsync(context, alertId);
    }

    /// <summary>
    /// Serialises the two consumers that touch one alert for the rest of the transaction: without
    /// it, each could settle the alert's state before the other committed, and an action be lost.
    /// </summary>
    private static Task LockAsync(HandlerContext context, string alertId) =>
        ExecuteAsync(context, "SELECT pg_advisory_xact_lock(hashtextextended('operations.alert:' || @alertId, 0))",
            new { alertId });

    /// <summary>
    /// The alert's state from every action recorded, through the table (a move it forbids is a
    /// bug), and who acknowledged and resolved it first, by when they did. Nothing while the alert
    /// itself is still to come: its arrival settles it.
    /// </summary>
    private static async Task SettleStateAsync(HandlerContext context, string alertId)
    {
        var stored = await context.Connection.QueryFirstOrDefaultAsync<string?>(
            "SELECT state FROM operations.alerts WHERE alert_id = @alertId", new { alertId }, context.Transaction);
        if (stored is null) return;
        var from = AlertLifecycle.Parse(alertId, stored);
        var actions = await context.Connection.QueryAsync<string>(
            "SELECT action FROM operations.alert_actions WHERE alert_id = @alertId ORDER BY at, message_id",
            new { alertId }, context.Transaction);
        var to = AlertLifecycle.After(actions.Select(a => AlertLifecycle.ParseAction(alertId, a)));
        if (to != from)
        {
            AlertLifecycle.Table.AssertTransition("alert " + alertId, from, to);
            var changed = await ExecuteAsync(context,
                "UPDATE operations.alerts SET state = @to WHERE alert_id = @alertId AND state = @from",
                new { alertId, from = AlertLifecycle.Name(from), to = AlertLifecycle.Name(to) });
            if (changed != 1)
                throw new InvariantViolatedException($"alert {alertId} changed under its lock: {changed} rows moved " +
                    $"from {stored}");
        }
        await ExecuteAsync(context, """
            WITH ack AS (SELECT operator, at, note FROM operations.alert_actions WHERE alert_id = @alertId
                AND action = 'ack'
                         ORDER BY at, message_id LIMIT 1),
                 res AS (SELECT operator, at, note FROM operations.alert_actions WHERE alert_id = @alertId
                     AND action = 'resolve'
                         ORDER BY at, message_id LIMIT 1)
            UPDATE operations.alerts SET
                acked_by = (SELECT operator FROM ack), acked_at = (SELECT at FROM ack),
                    ack_note = (SELECT note FROM ack),
                resolved_by = (SELECT operator FROM res), resolved_at = (SELECT at FROM res),
                    resolve_note = (SELECT note FROM res)
            WHERE alert_id = @alertId
            """, new { alertId });
    }
}
