using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// Reads and writes refunds; every state change is checked against <see cref="RefundLifecycle"/> and must change
/// exactly one row.
/// </summary>
public static class RefundStore
{
    /// <summary>
    /// Records an order once; <paramref name="producer"/> is who ordered it, as its signature proved. Ingestion's
    /// order is grounded (may be sent) only once Payout has read Ingestion's word that the payment made no entry: its
    /// submission's rejection, or the contest's entries closed (<see cref="GroundAsync"/>); Settlement's only once
    /// Payout has read the referee's own word that the contest is cancelled (<see cref="GroundCancelledAsync"/>).
    /// </summary>
    public static async Task<bool> InsertAsync(TransactionContext context, RefundOrdered order, string orderedBy,
        string? producer) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.refunds (refund_id, contest_id, player_id, payment_intent_id, amount_minor, currency,
                reason, state,
                next_attempt_at, ordered_at, updated_at, ordered_by, proven, producer, grounded)
            VALUES (@RefundId, @ContestId, @PlayerId, @PaymentIntentId, @AmountMinor, @Currency, @Reason, @waiting,
                @now, @now, @now, @orderedBy, false, @producer,
                CASE WHEN @producer = @ingestion
                    THEN EXISTS (SELECT 1 FROM payout.entry_rejections WHERE payment_intent_id = @PaymentIntentId)
                        OR EXISTS (SELECT 1 FROM payout.entries_closed WHERE contest_id = @ContestId)
                    ELSE EXISTS (SELECT 1 FROM payout.contests_cancelled WHERE contest_id = @ContestId) END)
            ON CONFLICT (refund_id) DO NOTHING
            """, new { order.RefundId, order.ContestId, order.PlayerId, order.PaymentIntentId, order.AmountMinor,
                order.Currency, order.Reason,
                waiting = RefundLifecycle.Name(RefundState.Waiting), now = context.Clock.GetUtcNow(), orderedBy,
                producer, ingestion = Producers.Ingestion }, context.Transaction) == 1;

    /// <summary>
    /// Serialises, for the rest of the transaction, what decides whether Ingestion's refund of a payment may be sent:
    /// the order, the payment's acceptance or rejection (<paramref name="paymentIntentId"/>), and its contest's entries
    /// closing or the referee's cancel (<paramref name="contestId"/>: shared by orders, exclusive for the close and the
    /// cancel). Without it, an order and the fact that grounds or refuses it, applied at once by two consumers, could
    /// each miss the other's uncommitted row.
    /// </summary>
    public static Task LockGroundsAsync(TransactionContext context, string? contestId, string? paymentIntentId,
        bool closing = false) =>
        context.Connection.ExecuteAsync($"""
            SELECT {(contestId is null ? "1" : closing
                ? "pg_advisory_xact_lock(hashtextextended('payout.refund-grounds:' || @contestId, 0))"
                : "pg_advisory_xact_lock_shared(hashtextextended('payout.refund-grounds:' || @contestId, 0))")},
                {(paymentIntentId is null ? "1"
                    : "pg_advisory_xact_lock(hashtextextended('payout.refund-of:' || @paymentIntentId, 0))")}
            """, new { contestId, paymentIntentId }, context.Transaction);

    /// <summary>
    /// Records Ingestion's word that a payment made no entry (<paramref name="paymentIntentId"/>: its submission was
    /// rejected) or that a contest's entries closed (<paramref name="paymentIntentId"/> null: every acceptance of it
    /// was read before), and grounds Ingestion's waiting refund orders it covers.
    /// </summary>
    public static async Task GroundAsync(TransactionContext context, string contestId, string? paymentIntentId,
        string? refundId, DateTimeOffset at)
    {
        await LockGroundsAsync(context, paymentIntentId is null ? contestId : null, paymentIntentId,
            closing: paymentIntentId is null);
        var now = context.Clock.GetUtcNow();
        var args = new
        {
            contestId, paymentIntentId, refundId, at, now, ingestion = Producers.Ingestion,
            // A payment's refund id is one per PaymentIntent: found by its key, never a scan.
            ofPayment = paymentIntentId is null ? null : RefundOrdered.RefundIdFor(paymentIntentId),
        };
        await context.Connection.ExecuteAsync(paymentIntentId is null
            ? """
              INSERT INTO payout.entries_closed (contest_id, closed_at, recorded_at) VALUES (@contestId, @at, @now)
              ON CONFLICT (contest_id) DO NOTHING;
              UPDATE payout.refunds SET grounded = true, updated_at = @now
              WHERE contest_id = @contestId AND NOT grounded AND producer = @ingestion
              """
            : """
              INSERT INTO payout.entry_rejections (payment_intent_id, refund_id, contest_id, recorded_at)
              VALUES (@paymentIntentId, @refundId, @contestId, @now) ON CONFLICT (payment_intent_id) DO NOTHING;
              UPDATE payout.refunds SET grounded = true, updated_at = @now
              WHERE refund_id = @ofPayment AND NOT grounded AND producer = @ingestion
              """, args, context.Transaction);
    }

    /// <summary>
    /// Records the referee's word that a contest is cancelled, and grounds Settlement's waiting refunds of its entry
    /// fees.
    /// </summary>
    public static async Task GroundCancelledAsync(TransactionContext context, string contestId, string reason,
        DateTimeOffset at)
    {
        await LockGroundsAsync(context, contestId, null, closing: true);
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.contests_cancelled (contest_id, reason, cancelled_at, recorded_at)
            VALUES (@contestId, @reason, @at, @now) ON CONFLICT (contest_id) DO NOTHING;
            UPDATE payout.refunds SET grounded = true, updated_at = @now
            WHERE contest_id = @contestId AND NOT grounded AND producer IS DISTINCT FROM @ingestion
            """, new { contestId, reason, at, now = context.Clock.GetUtcNow(), ingestion = Producers.Ingestion },
            context.Transaction);
    }

    /// <summary>When a contest locks, as Ingestion scheduled it; the first record stands.</summary>
    public static Task RecordLockAsync(TransactionContext context, string contestId, DateTimeOffset lockAt) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.contest_locks (contest_id, lock_at, recorded_at) VALUES (@contestId, @lockAt, @now)
            ON CONFLICT (contest_id) DO NOTHING
            """, new { contestId, lockAt, now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// Refunds still waiting for their grounds, not alerted on yet, whose wait is up at <paramref name="before"/>:
    /// Settlement's ordered by then (the referee's cancel comes with them), Ingestion's of a contest that locked by
    /// then (its entries close at the lock). Each returned is marked alerted, so it is alerted on once.
    /// </summary>
    public static async Task<IReadOnlyList<(string RefundId, string ContestId, long AmountMinor, string Currency,
        bool Ingestions)>> UngroundedAlertDueAsync(TransactionContext context, DateTimeOffset before, int limit) =>
        [.. await context.Connection.QueryAsync<(string, string, long, string, bool)>("""
            UPDATE payout.refunds SET grounds_alerted_at = @now
            WHERE refund_id IN (SELECT r.refund_id FROM payout.refunds r
                LEFT JOIN payout.contest_locks l ON l.contest_id = r.contest_id
                WHERE NOT r.grounded AND r.grounds_alerted_at IS NULL AND r.state = @waiting
                    AND CASE WHEN r.producer = @ingestion THEN l.lock_at <= @before ELSE r.ordered_at <= @before END
                ORDER BY r.ordered_at, r.refund_id LIMIT @limit FOR UPDATE OF r SKIP LOCKED)
            RETURNING refund_id, contest_id, amount_minor, currency, producer = @ingestion
            """, new
            {
                before, limit, now = context.Clock.GetUtcNow(), ingestion = Producers.Ingestion,
                waiting = RefundLifecycle.Name(RefundState.Waiting),
            }, context.Transaction)];

    /// <summary>Records that Ingestion made an accepted entry of this payment; the first record stands.</summary>
    public static Task RecordAcceptedFeeAsync(TransactionContext context, string paymentIntentId, string entryId,
        string contestId, string playerId) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.accepted_entry_fees (payment_intent_id, entry_id, contest_id, player_id, recorded_at)
            VALUES (@paymentIntentId, @entryId, @contestId, @playerId, @now)
            ON CONFLICT (payment_intent_id) DO NOTHING
            """, new { paymentIntentId, entryId, contestId, playerId, now = context.Clock.GetUtcNow() },
            context.Transaction);

    /// <summary>The accepted entry this payment paid for, as Ingestion published it; null when none.</summary>
    public static Task<string?> AcceptedEntryOfAsync(TransactionContext context, string paymentIntentId) =>
        context.Connection.ExecuteScalarAsync<string?>(
            "SELECT entry_id FROM payout.accepted_entry_fees WHERE payment_intent_id = @paymentIntentId",
            new { paymentIntentId }, context.Transaction);

    /// <summary>
    /// The refund <paramref name="producer"/> ordered of this payment, locked; or null. Found by its key (a payment's
    /// refund id is one per PaymentIntent): every accepted entry asks, so it is never a scan.
    /// </summary>
    public static Task<(string RefundId, string ContestId, string PlayerId, long AmountMinor, string Currency,
        string State, string? OrderedBy)?> OrderedByAsync(TransactionContext context, string paymentIntentId,
        string producer) =>
        context.Connection.QueryFirstOrDefaultAsync<(string, string, string, long, string, string, string?)?>("""
            SELECT refund_id, contest_id, player_id, amount_minor, currency, state, ordered_by FROM payout.refunds
            WHERE refund_id = @refundId AND producer = @producer FOR UPDATE
            """, new { refundId = RefundOrdered.RefundIdFor(paymentIntentId), producer }, context.Transaction);

    /// <summary>A waiting refund, proven or not, is refused unsent (waiting → failed), with why.</summary>
    public static async Task<bool> RefuseWaitingAsync(TransactionContext context, string refundId, string why)
    {
        RefundLifecycle.AssertTransition(refundId, RefundState.Waiting, RefundState.Failed);
        return await context.Connection.ExecuteAsync("""
            UPDATE payout.refunds SET state = @failed, last_error = @why, updated_at = @now
            WHERE refund_id = @refundId AND state = @waiting
            """, new
            {
                refundId, why, now = context.Clock.GetUtcNow(), failed = RefundLifecycle.Name(RefundState.Failed),
                waiting = RefundLifecycle.Name(RefundState.Waiting),
            }, context.Transaction) == 1;
    }

    /// <summary>A recorded refund order's facts (its contest, player, amount and currency), or null.</summary>
    public static Task<(string ContestId, string PlayerId, long AmountMinor, string Currency)?> OrderedAsync(
        TransactionContext context, string refundId) =>
        context.Connection.QueryFirstOrDefaultAsync<(string, string, long, string)?>(
            "SELECT contest_id, player_id, amount_minor, currency FROM payout.refunds WHERE refund_id = @refundId",
            new { refundId }, context.Transaction);

    /// <summary>
    /// Whether this pipeline ordered a refund of the payment (so a charge.refunded for it is its own).
    /// </summary>
    public static Task<bool> ExistsForPaymentAsync(TransactionContext context, string paymentIntentId) =>
        context.Connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM payout.refunds WHERE payment_intent_id = @paymentIntentId)",
            new { paymentIntentId }, context.Transaction);

    /// <summary>Whether this pipeline refunded any of these entry fees.</summary>
    public static Task<bool> AnyForPaymentsAsync(TransactionContext context, string[] paymentIntentIds) =>
        context.Connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM payout.refunds WHERE payment_intent_id = ANY(@paymentIntentIds))",
            new { paymentIntentIds }, context.Transaction);

    /// <summary>
    /// Claims due refunds whose payment is proven (<see cref="Funds.VerifyFundsJob"/>) and whose order is grounded
    /// (<see cref="GroundAsync"/>): each becomes submitting under
    /// a lease that keeps other refund jobs off it while its call runs.
    /// </summary>
    public static async Task<IReadOnlyList<RefundRow>> ClaimDueAsync(TransactionContext context,
        TimeSpan lease, int limit)
    {
        var now = context.Clock.GetUtcNow();
        return [.. await context.Connection.QueryAsync<RefundRow>("""
            UPDATE payout.refunds r SET state = @submitting, lease_until = @leaseUntil, updated_at = @now
            FROM (SELECT refund_id FROM payout.refunds
                  WHERE state = ANY(@dispatched) AND proven AND grounded AND next_attempt_at <= @now
                      AND (lease_until IS NULL OR lease_until < @now)
                  ORDER BY next_attempt_at, refund_id LIMIT @limit FOR UPDATE SKIP LOCKED) due
            WHERE r.refund_id = due.refund_id
            RETURNING r.refund_id, r.contest_id, r.player_id, r.payment_intent_id, r.amount_minor, r.currency, r.reason,
                r.rounds, r.ordered_by, r.ordered_at AS ordered_at_utc
            """, new
        {
            now, leaseUntil = now + lease, limit, submitting = RefundLifecycle.Name(RefundState.Submitting),
            dispatched = RefundLifecycle.Dispatched.Select(RefundLifecycle.Name).ToArray(),
        }, context.Transaction)];
    }

    /// <summary>
    /// Keeps the claims of refunds still being sent by this worker while their Stripe calls run (see LeaseKeeper).
    /// </summary>
    public static Task<int> RenewLeasesAsync(TransactionContext context,
        IReadOnlyCollection<string> refundIds, DateTimeOffset until) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.refunds SET lease_until = @until
            WHERE refund_id = ANY(@ids) AND state = @submitting AND lease_until IS NOT NULL AND lease_until < @until
            """, new { ids = refundIds.ToArray(), until, submitting = RefundLifecycle.Name(RefundState.Submitting) },
            context.Transaction);

    /// <summary>
    /// Records the refund made; false when it was recorded already (two attempts of the same
    /// refund, under the same idempotency key, both got Stripe's one refund back).
    /// </summary>
    public static async Task<bool> MarkRefundedAsync(TransactionContext context,
        string refundId, string? stripeRefundId)
    {
        RefundLifecycle.AssertTransition(refundId, RefundState.Submitting, RefundState.Refunded);
        var now = context.Clock.GetUtcNow();
        return await context.Connection.ExecuteAsync("""
            UPDATE payout.refunds SET state = @refunded, stripe_refund_id = @stripeRefundId, refunded_at = @now,
                lease_until = NULL, updated_at = @now
            WHERE refund_id = @refundId AND state = @submitting
            """, new
            {
                refundId, stripeRefundId, now, refunded = RefundLifecycle.Name(RefundState.Refunded),
                submitting = RefundLifecycle.Name(RefundState.Submitting),
            },
            context.Transaction) == 1;
    }

    /// <summary>
    /// Records a failed attempt: retried at <paramref name="nextAttemptAt"/>, or failed for
    /// good. A refund another attempt resolved meanwhile stays resolved (false).
    /// </summary>
    public static async Task<bool> RecordFailureAsync(TransactionContext context, string refundId, bool permanent,
        int rounds, string error, DateTimeOffset nextAttemptAt)
    {
        var to = permanent ? RefundState.Failed : RefundState.Submitting;
        RefundLifecycle.AssertTransition(refundId, RefundState.Submitting, to);
        return await context.Connection.ExecuteAsync("""
            UPDATE payout.refunds SET state = @to, rounds = @rounds, last_error = @error,
                next_attempt_at = @nextAttemptAt, lease_until = NULL, updated_at = @now
            WHERE refund_id = @refundId AND state = @submitting
            """, new
            {
                refundId, to = RefundLifecycle.Name(to), rounds, error, nextAttemptAt, now = context.Clock.GetUtcNow(),
                submitting = RefundLifecycle.Name(RefundState.Submitting),
            },
            context.Transaction) == 1;
    }
}
