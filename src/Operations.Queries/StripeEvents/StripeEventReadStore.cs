using ContestPipeline.Operations.Queries.Alerts;
using Npgsql;

namespace ContestPipeline.Operations.Queries.StripeEvents;

/// <summary>
/// Stripe's events as the read model has them: counts per type, the events themselves, and the alerts about
/// their webhooks and topic.
/// Reads the operations read model only (schema <c>operations</c>).
/// </summary>
public sealed class StripeEventReadStore(NpgsqlDataSource db) : ReadStore(db)
{
    public Task<List<WebhookTypeRow>> WebhookTypesAsync() =>
        ListAsync<WebhookTypeRow>("""
            SELECT type, count(*) AS received, count(outcome) FILTER (WHERE outcome <> 'not handled') AS handled,
                   count(*) FILTER (WHERE outcome = 'not handled') AS not_handled, max(received_at) AS last_received
            FROM operations.stripe_events GROUP BY type ORDER BY type
            """);

    public Task<List<StripeEventRow>> StripeEventsAsync(string? type, int page) =>
        ListAsync<StripeEventRow>("""
            SELECT event_id, type, object_id, account, received_at, outcome FROM operations.stripe_events
            WHERE (@type::text IS NULL OR type = @type) ORDER BY received_at DESC, event_id LIMIT @limit OFFSET @offset
            """, new { type, limit = PageSize, offset = page * PageSize });

    /// <summary>The latest alerts about Stripe's webhooks and the stripe.events topic, newest first.</summary>
    public Task<List<AlertRow>> WebhookFailuresAsync() =>
        ListAsync<AlertRow>("""
            SELECT alert_id, source, severity, code, subject, message, raised_at, state, acked_by, acked_at, ack_note,
                resolved_by, resolved_at, resolve_note
            FROM operations.alerts WHERE subject LIKE 'stripe.events%' OR message LIKE '%stripe.events%'
                OR code LIKE 'webhook%'
            ORDER BY raised_at DESC LIMIT 50
            """);
}
