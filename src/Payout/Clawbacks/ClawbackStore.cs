using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Clawbacks;

/// <summary>
/// payout.clawbacks (payout/0026): paid prizes to take back, claimed by the reverse-transfers job while their prize's
/// transfer is recorded, and what came of each (<see cref="ClawbackLifecycle"/>).
/// </summary>
public static class ClawbackStore
{
    private static readonly string Pending = ClawbackLifecycle.Name(ClawbackState.Pending);

    /// <summary>Orders the taking back of a paid prize; false when it is ordered already.</summary>
    public static async Task<bool> OrderAsync(TransactionContext context, PayoutRow payout, string cause) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.clawbacks (payout_id, contest_id, player_id, payment_intent_id, cause, state,
                next_attempt_at, ordered_at, updated_at)
            VALUES (@PayoutId, @ContestId, @PlayerId, @PaymentIntentId, @cause, @pending, @now, @now, @now)
            ON CONFLICT (payout_id) DO NOTHING
            """, new
        {
            payout.PayoutId, payout.ContestId, payout.PlayerId, payout.PaymentIntentId, cause, pending = Pending,
            now = context.Clock.GetUtcNow(),
        }, context.Transaction) == 1;

    /// <summary>Why the prize is being taken back, when it is.</summary>
    public static Task<string?> CauseOfAsync(TransactionContext context, string payoutId) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>(
            "SELECT cause FROM payout.clawbacks WHERE payout_id = @payoutId", new { payoutId }, context.Transaction);

    /// <summary>
    /// Claims pending clawbacks that are due and whose prize's transfer is recorded (one perhaps sent is taken back
    /// once Stripe's answer records it), each under a lease that keeps other instances off it while its calls run.
    /// </summary>
    public static async Task<IReadOnlyList<ClawbackRow>> ClaimDueAsync(TransactionContext context, TimeSpan lease,
        int limit)
    {
        var now = context.Clock.GetUtcNow();
        return [.. await context.Connection.QueryAsync<ClawbackRow>("""
            WITH due AS (
                SELECT c.payout_id FROM payout.clawbacks c JOIN payout.payouts p USING (payout_id)
                WHERE c.state = @pending AND p.transfer_id IS NOT NULL AND c.next_attempt_at <= @now
                  AND (c.lease_until IS NULL OR c.lease_until < @now)
                ORDER BY c.next_attempt_at, c.payout_id LIMIT @limit FOR UPDATE OF c SKIP LOCKED),
            claimed AS (
                UPDATE payout.clawbacks c SET lease_until = @leaseUntil, updated_at = @now FROM due
                WHERE c.payout_id = due.payout_id
                RETURNING c.payout_id, c.contest_id, c.player_id, c.payment_intent_id, c.cause, c.rounds)
            SELECT claimed.payout_id, claimed.contest_id, claimed.player_id, claimed.payment_intent_id, claimed.cause,
                claimed.rounds, p.transfer_id, p.amount_minor, p.currency, p.account_id
            FROM claimed JOIN payout.payouts p USING (payout_id) ORDER BY claimed.payout_id
            """, new { now, leaseUntil = now + lease, limit, pending = Pending }, context.Transaction)];
    }

    /// <summary>Keeps the claims of clawbacks being called for (see LeaseKeeper).</summary>
    public static Task<int> RenewAsync(TransactionContext context, IReadOnlyCollection<string> payoutIds,
        DateTimeOffset until) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.clawbacks SET lease_until = @until
            WHERE payout_id = ANY(@ids) AND state = @pending AND lease_until IS NOT NULL AND lease_until < @until
            """, new { ids = payoutIds.ToArray(), until, pending = Pending }, context.Transaction);

    /// <summary>A call that failed for now: tried again at <paramref name="next"/>.</summary>
    public static Task<int> RetryAsync(TransactionContext context, string payoutId, int rounds, DateTimeOffset next,
        string outcome) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.clawbacks SET rounds = @rounds, next_attempt_at = @next, lease_until = NULL,
                outcome = @outcome, updated_at = @now
            WHERE payout_id = @payoutId AND state = @pending
            """, new { payoutId, rounds, next, outcome, pending = Pending, now = context.Clock.GetUtcNow() },
            context.Transaction);

    /// <summary>
    /// What came back, and what is still owed (a receivable when more than zero); false when it was recorded already.
    /// </summary>
    public static async Task<bool> CompleteAsync(TransactionContext context, string payoutId, ClawbackState state,
        long recoveredMinor, long owedMinor, string outcome)
    {
        ClawbackLifecycle.Table.AssertTransition("clawback " + payoutId, ClawbackState.Pending, state);
        return await context.Connection.ExecuteAsync("""
            UPDATE payout.clawbacks SET state = @state, recovered_minor = @recoveredMinor, owed_minor = @owedMinor,
                outcome = @outcome, lease_until = NULL, updated_at = @now
            WHERE payout_id = @payoutId AND state = @pending
            """, new
        {
            payoutId, state = ClawbackLifecycle.Name(state), recoveredMinor, owedMinor, outcome, pending = Pending,
            now = context.Clock.GetUtcNow(),
        }, context.Transaction) == 1;
    }
}
