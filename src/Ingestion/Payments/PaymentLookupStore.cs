using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Ingestion.Payments;

/// <summary>
/// The PaymentIntents Stripe's events asked Ingestion to look up (ingestion.payment_lookups): asked by
/// <see cref="StripeEventReceivedHandler"/>, claimed and answered by <see cref="LookUpPaymentsJob"/>, and answered
/// too by any read of Stripe made after they were asked (<see cref="VerifyPaymentsJob"/>'s GETs).
/// </summary>
public static class PaymentLookupStore
{
    /// <summary>An event's question: look this PaymentIntent up.</summary>
    /// <param name="Created">When the event's body says the intent was made: where to list from, never trusted.</param>
    /// <param name="OnlyIfUnpaid">
    /// Asked by a <c>payment_intent.*</c> event, which can tell nothing new about an intent Stripe already answered
    /// succeeded (it stays succeeded); a refund or dispute event asks again whatever is known.
    /// </param>
    public sealed record Question(string PaymentIntentId, DateTimeOffset? Created, bool OnlyIfUnpaid);

    /// <summary>Records the questions (one per PaymentIntent), each due until a read made after it answers.</summary>
    public static Task AskAsync(TransactionContext context, IReadOnlyList<Question> questions) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.payment_lookups AS l (payment_intent_id, created, asked_at)
            SELECT u.id, u.created, @now FROM unnest(@ids, @createds, @onlyIfUnpaid) AS u(id, created, only_if_unpaid)
            WHERE NOT (u.only_if_unpaid AND EXISTS (
                SELECT 1 FROM ingestion.payments p
                WHERE p.payment_intent_id = u.id AND p.known AND p.status = 'succeeded'))
            ON CONFLICT (payment_intent_id) DO UPDATE SET
                created = coalesce(excluded.created, l.created), asked_at = excluded.asked_at, answered_at = NULL
            """, new
        {
            now = context.Clock.GetUtcNow(),
            ids = questions.Select(q => q.PaymentIntentId).ToArray(),
            createds = questions.Select(q => q.Created).ToArray(),
            onlyIfUnpaid = questions.Select(q => q.OnlyIfUnpaid).ToArray(),
        }, context.Transaction);

    /// <summary>A claimed lookup: the PaymentIntent and when its event says it was made.</summary>
    public sealed record Claimed(string PaymentIntentId, DateTimeOffset? Created);

    /// <summary>
    /// Claims due lookups, those made earliest first (those whose making no event told, last), so one round of one
    /// worker looks each up; a claim lapses after <paramref name="lease"/>.
    /// </summary>
    public static async Task<IReadOnlyList<Claimed>> ClaimAsync(TransactionContext context, int limit, TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        return [.. (await context.Connection.QueryAsync<(string Id, DateTime? Created)>("""
            UPDATE ingestion.payment_lookups l SET claimed_until = @until, attempts = l.attempts + 1
            WHERE l.payment_intent_id IN (
                SELECT d.payment_intent_id FROM ingestion.payment_lookups d
                WHERE d.answered_at IS NULL AND (d.claimed_until IS NULL OR d.claimed_until < @now)
                ORDER BY d.created NULLS LAST, d.payment_intent_id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING l.payment_intent_id, l.created
            """, new { now, until = now + lease, limit }, context.Transaction))
            .Select(r => new Claimed(r.Id,
                r.Created is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : null))];
    }

    /// <summary>
    /// Answers the lookups of these PaymentIntents asked no later than <paramref name="readFrom"/>, when the read
    /// that answered them began: an event that came after it asks again.
    /// </summary>
    public static Task AnswerAsync(TransactionContext context, IReadOnlyCollection<string> paymentIntentIds,
        DateTimeOffset readFrom) =>
        paymentIntentIds.Count == 0 ? Task.CompletedTask : context.Connection.ExecuteAsync("""
            UPDATE ingestion.payment_lookups SET answered_at = @now, claimed_until = NULL
            WHERE payment_intent_id = ANY(@ids) AND answered_at IS NULL AND asked_at <= @readFrom
            """, new { ids = paymentIntentIds.ToArray(), readFrom, now = context.Clock.GetUtcNow() },
            context.Transaction);

    /// <summary>Lets go of claims this round did not get to, so the next round takes them at once.</summary>
    public static Task ReleaseAsync(TransactionContext context, IReadOnlyCollection<string> paymentIntentIds) =>
        paymentIntentIds.Count == 0 ? Task.CompletedTask : context.Connection.ExecuteAsync("""
            UPDATE ingestion.payment_lookups SET claimed_until = NULL, attempts = attempts - 1
            WHERE payment_intent_id = ANY(@ids) AND answered_at IS NULL
            """, new { ids = paymentIntentIds.ToArray() }, context.Transaction);
}
