using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Notifier.Deliveries;

/// <summary>notifier.deliveries (the delivery log) and notifier.delivery_attempts (every attempt made).</summary>
public static class DeliveryStore
{
    private static readonly string Pending = DeliveryLifecycle.Name(DeliveryState.Pending);

    /// <summary>Records a delivery to make now; false when it is in the log already (a replay).</summary>
    public static async Task<bool> InsertAsync(TransactionContext context, string deliveryId, string notificationId,
        string channel, string audience, string recipient, string kind, string severity, string subject, string body) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO notifier.deliveries (delivery_id, notification_id, channel, audience, recipient, kind, severity,
                subject,
                body, state, next_attempt_at, requested_at)
            VALUES (@deliveryId, @notificationId, @channel, @audience, @recipient, @kind, @severity, @subject, @body,
                @pending, @now, @now)
            ON CONFLICT (delivery_id) DO NOTHING
            """, new
            {
                deliveryId, notificationId, channel, audience, recipient, kind, severity, subject, body,
                pending = Pending, now = context.Clock.GetUtcNow(),
            }, context.Transaction) == 1;

    /// <summary>Claims pending deliveries that are due, oldest first, for <paramref name="lease"/>.</summary>
    public static async Task<IReadOnlyList<Delivery>> ClaimDueAsync(TransactionContext context, int limit,
        TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        return [.. await context.Connection.QueryAsync<Delivery>("""
            UPDATE notifier.deliveries d SET claimed_until = @until
            FROM (SELECT delivery_id FROM notifier.deliveries
                  WHERE state = @pending AND next_attempt_at <= @now
                      AND (claimed_until IS NULL OR claimed_until <= @now)
                  ORDER BY next_attempt_at, delivery_id LIMIT @limit FOR UPDATE SKIP LOCKED) due
            WHERE d.delivery_id = due.delivery_id
            RETURNING d.delivery_id, d.channel, d.recipient, d.kind, d.severity, d.subject, d.body, d.attempts
            """, new { pending = Pending, now, until = now + lease, limit }, context.Transaction)];
    }

    public static Task<int> RenewClaimsAsync(TransactionContext context, IReadOnlyCollection<string> ids,
        DateTimeOffset until) =>
        context.Connection.ExecuteAsync(
            "UPDATE notifier.deliveries SET claimed_until = @until WHERE delivery_id = ANY(@ids) " +
            "AND claimed_until < @until",
            new { ids = ids.ToArray(), until }, context.Transaction);

    /// <summary>
    /// Records attempt <paramref name="attempt"/> and what follows it: delivered, tried again at
    /// <paramref name="nextAttemptAt"/>, or dead-lettered (no next attempt). Returns the state it leaves.
    /// </summary>
    public static async Task<DeliveryState> RecordAttemptAsync(TransactionContext context, string deliveryId,
        int attempt, AttemptOutcome outcome, DateTimeOffset? nextAttemptAt)
    {
        var now = context.Clock.GetUtcNow();
        var state = DeliveryLifecycle.After(outcome.Delivered, nextAttemptAt);
        DeliveryLifecycle.Table.AssertTransition("delivery " + deliveryId, DeliveryState.Pending, state);
        await context.Connection.ExecuteAsync("""
            INSERT INTO notifier.delivery_attempts (delivery_id, attempt, at, succeeded, detail)
            VALUES (@deliveryId, @attempt, @now, @succeeded, @detail);
            UPDATE notifier.deliveries SET attempts = @attempt, state = @state, claimed_until = NULL,
                next_attempt_at = coalesce(@nextAttemptAt::timestamptz, next_attempt_at),
                last_error = CASE WHEN @succeeded THEN last_error ELSE @detail END,
                delivered_at = CASE WHEN @succeeded THEN @now ELSE NULL END
            WHERE delivery_id = @deliveryId AND state = @pending
            """, new
            {
                deliveryId, attempt, now, succeeded = outcome.Delivered, detail = outcome.Detail,
                state = DeliveryLifecycle.Name(state), nextAttemptAt,
                pending = Pending,
            }, context.Transaction);
        return state;
    }
}
