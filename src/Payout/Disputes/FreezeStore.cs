using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// payout.freezes: entry-fee payments refunded outside the pipeline or disputed, one row per
/// cause (<see cref="Freezes"/>), each open, won or lost (<see cref="FreezeLifecycle"/>). A prize won with a frozen
/// payment waits (<see cref="Gates.PayoutGates"/>).
/// </summary>
public static class FreezeStore
{
    /// <summary>The ids of the freezes in force on a payment (open, or a dispute lost), in id order.</summary>
    public static async Task<IReadOnlyList<string>> InForceAsync(TransactionContext context, string? paymentIntentId) =>
        paymentIntentId is null ? [] : [.. await context.Connection.QueryAsync<string>(
            "SELECT freeze_id FROM payout.freezes WHERE payment_intent_id = @paymentIntentId AND status <> " +
            "'won' ORDER BY freeze_id", new { paymentIntentId }, context.Transaction)];

    /// <summary>
    /// The first dispute on a payment that closed lost, if any: the fee is lost, and its prizes withheld.
    /// </summary>
    public static Task<string?> LostDisputeAsync(TransactionContext context, string? paymentIntentId) =>
        paymentIntentId is null ? Task.FromResult<string?>(null) : context.Connection.QueryFirstOrDefaultAsync<string?>(
            "SELECT freeze_id FROM payout.freezes WHERE payment_intent_id = @paymentIntentId AND status = 'lost' " +
            "ORDER BY freeze_id LIMIT 1", new { paymentIntentId }, context.Transaction);

    /// <summary>
    /// Records a freeze in force, dated when it happened as Stripe dates it; false when it is known already (in
    /// force, or a dispute already closed).
    /// </summary>
    public static async Task<bool> FreezeAsync(TransactionContext context, string paymentIntentId, string freezeId,
        FreezeCause cause, DateTimeOffset occurredAt) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.freezes (payment_intent_id, freeze_id, cause, status, since, updated_at, occurred_at)
            VALUES (@paymentIntentId, @freezeId, @cause, 'open', @now, @now, @occurredAt) ON CONFLICT DO NOTHING
            """, new { paymentIntentId, freezeId, cause = Freezes.CauseName(cause), now = context.Clock.GetUtcNow(),
                occurredAt },
            context.Transaction) == 1;

    /// <summary>Whether a freeze of this id on the payment is recorded, in force or closed.</summary>
    public static Task<bool> KnownAsync(TransactionContext context, string paymentIntentId, string freezeId) =>
        context.Connection.ExecuteScalarAsync<bool>(
            """
            SELECT EXISTS (SELECT 1 FROM payout.freezes
                           WHERE payment_intent_id = @paymentIntentId AND freeze_id = @freezeId)
            """,
            new { paymentIntentId, freezeId }, context.Transaction);

    /// <summary>
    /// A dispute closed, won or lost, in whichever order its events arrive: recorded closed
    /// even if its charge.dispute.created has not arrived yet (that one then finds it closed).
    /// A closed dispute stays as it closed. False when it was closed already.
    /// </summary>
    public static async Task<bool> CloseDisputeAsync(TransactionContext context,
        string paymentIntentId, string disputeId, FreezeState closed, DateTimeOffset occurredAt)
    {
        FreezeLifecycle.Table.AssertTransition("freeze " + disputeId, FreezeState.Open, closed);
        return await context.Connection.ExecuteAsync("""
            INSERT INTO payout.freezes (payment_intent_id, freeze_id, cause, status, since, updated_at, occurred_at)
            VALUES (@paymentIntentId, @disputeId, @disputed, @status, @now, @now, @occurredAt)
            ON CONFLICT (payment_intent_id, freeze_id) DO UPDATE
            SET status = excluded.status, updated_at = excluded.updated_at
            WHERE freezes.status = 'open'
            """, new
        {
            paymentIntentId, disputeId, disputed = Freezes.CauseName(FreezeCause.Disputed),
            status = FreezeLifecycle.Name(closed), now = context.Clock.GetUtcNow(), occurredAt,
        }, context.Transaction) == 1;
    }
}
