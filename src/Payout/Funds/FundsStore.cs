using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Payout.Refunds;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Dapper;

namespace ContestPipeline.Payout.Funds;

/// <summary>
/// payout.payment_reads and payout.verified_payments: the PaymentIntents Payout was asked to read, and each as Stripe
/// last answered Payout. What a contest has proven paid in, less refunds and what is ordered against it, is read from
/// them (<see cref="ProvenAsync"/>); nothing here is ever taken from an event's body or another worker's word.
/// </summary>
public static class FundsStore
{
    /// <summary>
    /// Asks for reads of these PaymentIntents (a read not yet made is asked again, and read again once made). One
    /// asked without its creation time (a refund's event, an order) takes the one Stripe gave when it was verified,
    /// so it is read by a list too.
    /// </summary>
    public static Task RequestAsync(TransactionContext context, IReadOnlyList<PaymentRead> reads) =>
        reads.Count == 0 ? Task.CompletedTask : context.Connection.ExecuteAsync("""
            INSERT INTO payout.payment_reads AS r (payment_intent_id, event_id, created, requested_at)
            SELECT DISTINCT ON (pi) pi, ev, coalesce(cr, v.created), @now
            FROM unnest(@ids, @events, @created) AS t(pi, ev, cr)
            LEFT JOIN payout.verified_payments v ON v.payment_intent_id = t.pi
            ORDER BY pi
            ON CONFLICT (payment_intent_id) DO UPDATE SET event_id = excluded.event_id,
                created = coalesce(excluded.created, r.created), requested_at = excluded.requested_at,
                claimed_until = NULL
            """, new
            {
                ids = reads.Select(r => r.PaymentIntentId).ToArray(), events = reads.Select(r => r.EventId).ToArray(),
                created = reads.Select(r => r.Created).ToArray(), now = context.Clock.GetUtcNow(),
            }, context.Transaction);

    /// <summary>Claims reads, oldest first, for <paramref name="lease"/>.</summary>
    public static async Task<IReadOnlyList<PaymentRead>> ClaimAsync(TransactionContext context, int limit,
        TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        return [.. (await context.Connection.QueryAsync<(string Id, string Event, DateTime? Created, DateTime At)>("""
            UPDATE payout.payment_reads r SET claimed_until = @until
            WHERE r.payment_intent_id IN (
                SELECT payment_intent_id FROM payout.payment_reads WHERE claimed_until IS NULL OR claimed_until <= @now
                ORDER BY requested_at, payment_intent_id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING r.payment_intent_id, r.event_id, r.created, r.requested_at
            """, new { limit, now, until = now + lease }, context.Transaction))
            .Select(r => new PaymentRead(r.Id, r.Event, PayoutStore.Utc(r.Created), PayoutStore.Utc(r.At)))];
    }

    /// <summary>Done with these reads, unless one was asked again after its claim (then it is read again).</summary>
    public static Task CompleteAsync(TransactionContext context, IReadOnlyList<PaymentRead> reads) =>
        context.Connection.ExecuteAsync("""
            DELETE FROM payout.payment_reads r USING unnest(@ids, @at) AS t(pi, at)
            WHERE r.payment_intent_id = t.pi AND r.requested_at <= t.at
            """, new
            {
                ids = reads.Select(r => r.PaymentIntentId).ToArray(),
                at = reads.Select(r => r.RequestedAt ?? DateTimeOffset.MaxValue).ToArray(),
            }, context.Transaction);

    /// <summary>Lets these claimed reads go unread, to be claimed by the next round.</summary>
    public static Task ReleaseAsync(TransactionContext context, IReadOnlyCollection<string> paymentIntentIds) =>
        paymentIntentIds.Count == 0 ? Task.CompletedTask : context.Connection.ExecuteAsync(
            "UPDATE payout.payment_reads SET claimed_until = NULL WHERE payment_intent_id = ANY(@ids)",
            new { ids = paymentIntentIds.ToArray() }, context.Transaction);

    /// <summary>
    /// Of <paramref name="paymentIntentIds"/>, those Stripe showed refunded in full by no refund this pipeline ordered,
    /// that have a prize transferred and not yet taken back: what <see cref="Clawbacks.LostEntryFees"/> takes back.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RefundedOutsideWithPrizesPaidAsync(TransactionContext context,
        string[] paymentIntentIds) =>
        paymentIntentIds.Length == 0 ? [] : [.. await context.Connection.QueryAsync<string>("""
            SELECT DISTINCT v.payment_intent_id FROM payout.verified_payments v
            JOIN payout.payouts p ON p.payment_intent_id = v.payment_intent_id
            WHERE v.payment_intent_id = ANY(@paymentIntentIds) AND v.found AND v.amount_minor > 0
              AND v.refunded_minor >= v.amount_minor
              AND p.transfer_id IS NOT NULL AND p.reversed_minor < p.amount_minor
              AND NOT EXISTS (SELECT 1 FROM payout.refunds r WHERE r.payment_intent_id = v.payment_intent_id)
              AND NOT EXISTS (SELECT 1 FROM payout.clawbacks c WHERE c.payout_id = p.payout_id)
            ORDER BY v.payment_intent_id
            """, new { paymentIntentIds }, context.Transaction)];

    /// <summary>
    /// Records PaymentIntents as Stripe answered Payout. A succeeded one keeps its amount, currency, contest and
    /// player as first verified (metadata edited later does not move a paid fee to another contest); refunds only add.
    /// </summary>
    public static Task RecordAsync(TransactionContext context, IReadOnlyCollection<PaymentIntent> intents) =>
        intents.Count == 0 ? Task.CompletedTask : context.Connection.ExecuteAsync("""
            INSERT INTO payout.verified_payments AS v (payment_intent_id, found, status, contest_id, player_id,
                amount_minor, currency, refunded_minor, read_at, created)
            SELECT id, true, st, co, pl, am, cu, re, @now, cr
            FROM unnest(@ids, @statuses, @contests, @players, @amounts, @currencies, @refundeds, @created)
                AS t(id, st, co, pl, am, cu, re, cr)
            ON CONFLICT (payment_intent_id) DO UPDATE SET found = true, read_at = excluded.read_at,
                created = coalesce(v.created, excluded.created),
                refunded_minor = greatest(v.refunded_minor, excluded.refunded_minor),
                status = CASE WHEN v.status = @succeeded THEN v.status ELSE excluded.status END,
                contest_id = CASE WHEN v.status = @succeeded THEN v.contest_id ELSE excluded.contest_id END,
                player_id = CASE WHEN v.status = @succeeded THEN v.player_id ELSE excluded.player_id END,
                amount_minor = CASE WHEN v.status = @succeeded THEN v.amount_minor ELSE excluded.amount_minor END,
                currency = CASE WHEN v.status = @succeeded THEN v.currency ELSE excluded.currency END
            """, new
            {
                ids = intents.Select(i => i.Id).ToArray(), statuses = intents.Select(i => i.Status).ToArray(),
                contests = intents.Select(i => Meta(i, PaymentMetadata.ContestId)).ToArray(),
                players = intents.Select(i => Meta(i, PaymentMetadata.PlayerId)).ToArray(),
                amounts = intents.Select(i => Math.Max(0, i.AmountReceived)).ToArray(),
                currencies = intents.Select(i => i.Currency?.ToUpperInvariant()).ToArray(),
                refundeds = intents.Select(i => Math.Max(0, i.LatestCharge?.AmountRefunded ?? 0)).ToArray(),
                created = intents.Select(i => PaymentReader.CreatedAt(i)?.UtcDateTime).ToArray(),
                succeeded = StripeStatuses.Succeeded, now = context.Clock.GetUtcNow(),
            }, context.Transaction);

    /// <summary>
    /// Records Stripe's fee on each succeeded payment whose read showed its charge's balance transaction, the first
    /// time one does (a payment keeps the first it showed); the fees recorded now, above zero, in the order given.
    /// </summary>
    public static async Task<IReadOnlyList<PaymentFee>> RecordFeesAsync(TransactionContext context,
        IReadOnlyCollection<PaymentIntent> intents)
    {
        var charged = intents.Where(i => i.Status == StripeStatuses.Succeeded
            && i.LatestCharge?.BalanceTransaction is { Id.Length: > 0 }).ToList();
        if (charged.Count == 0) return [];
        var recorded = (await context.Connection.QueryAsync<PaymentFee>("""
            UPDATE payout.verified_payments v SET balance_transaction_id = t.txn, fee_minor = t.fee
            FROM unnest(@ids, @txns, @fees, @currencies) AS t(pi, txn, fee, cur)
            WHERE v.payment_intent_id = t.pi AND v.balance_transaction_id IS NULL AND v.status = @succeeded
            RETURNING v.payment_intent_id, t.txn AS balance_transaction_id, v.contest_id, t.fee AS fee_minor,
                t.cur AS currency
            """, new
            {
                ids = charged.Select(i => i.Id).ToArray(),
                txns = charged.Select(i => i.LatestCharge.BalanceTransaction.Id).ToArray(),
                fees = charged.Select(i => i.LatestCharge.BalanceTransaction.Fee).ToArray(),
                // The balance's currency, which is the payment's unless Stripe converted it when it settled.
                currencies = charged.Select(i => i.LatestCharge.BalanceTransaction.Currency?.ToUpperInvariant())
                    .ToArray(),
                succeeded = StripeStatuses.Succeeded,
            }, context.Transaction)).ToDictionary(f => f.PaymentIntentId, StringComparer.Ordinal);
        return [.. charged.Select(i => recorded.GetValueOrDefault(i.Id)).OfType<PaymentFee>()
            .Where(f => f.FeeMinor > 0)];
    }

    /// <summary>Whether the payment is verified succeeded already (a refund of it needs no new read).</summary>
    public static Task<bool> SucceededAsync(TransactionContext context, string paymentIntentId) =>
        context.Connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM payout.verified_payments WHERE payment_intent_id = @paymentIntentId " +
            "AND status = @succeeded)", new { paymentIntentId, succeeded = StripeStatuses.Succeeded },
            context.Transaction);

    /// <summary>PaymentIntents Stripe said it does not know (one found before stays found).</summary>
    public static Task RecordNotFoundAsync(TransactionContext context, IReadOnlyCollection<string> ids) =>
        ids.Count == 0 ? Task.CompletedTask : context.Connection.ExecuteAsync("""
            INSERT INTO payout.verified_payments (payment_intent_id, found, read_at)
            SELECT id, false, @now FROM unnest(@ids) AS t(id)
            ON CONFLICT (payment_intent_id) DO UPDATE SET read_at = excluded.read_at
            """, new { ids = ids.ToArray(), now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// The contest's verified entry fees in <paramref name="currency"/> (succeeded, less what Stripe shows refunded or
    /// this pipeline ordered refunded, whichever is more), its guarantee as the operators sealed it (0 for none), and
    /// its prizes ordered against them: every payout of the
    /// contest but make-goods, rejected ones and those held because they did not fit. The caller holds the contest's
    /// budget row (<see cref="LockAsync"/> or the order's own take of it), so two orders never both count the same fee.
    /// </summary>
    public static Task<(long Proven, long Guaranteed, long Ordered)> ProvenAsync(TransactionContext context,
        string contestId, string currency) =>
        context.Connection.QuerySingleAsync<(long, long, long)>("""
            SELECT
              coalesce((SELECT sum(greatest(0,
                  v.amount_minor - greatest(v.refunded_minor, coalesce(r.amount_minor, 0))))
                FROM payout.verified_payments v
                LEFT JOIN payout.refunds r ON r.payment_intent_id = v.payment_intent_id AND r.state <> @failed
                WHERE v.contest_id = @contestId AND v.status = @succeeded AND v.currency = @currency), 0)::bigint,
              coalesce((SELECT guaranteed_minor FROM payout.contest_payout_budgets
                WHERE contest_id = @contestId AND currency = @currency), 0)::bigint,
              coalesce((SELECT sum(amount_minor) FROM payout.payouts
                WHERE contest_id = @contestId AND currency = @currency AND payout_id NOT LIKE @makeGoods
                  AND state <> @rejected AND hold_kind IS DISTINCT FROM @funds), 0)::bigint
            """, new
            {
                contestId, currency = currency.ToUpperInvariant(), succeeded = StripeStatuses.Succeeded,
                failed = RefundLifecycle.Name(RefundState.Failed),
                makeGoods = PrizePayoutOrdered.MakeGoodIdPrefix + "%",
                rejected = PayoutLifecycle.Name(PayoutState.Rejected), funds = HoldKinds.Funds,
            }, context.Transaction);

    /// <summary>Contests with payouts held for funds not proven, their budget rows locked.</summary>
    public static async Task<IReadOnlyList<string>> LockContestsHeldAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<string>("""
            SELECT b.contest_id FROM payout.contest_payout_budgets b
            WHERE b.contest_id IN (SELECT DISTINCT contest_id FROM payout.payouts WHERE hold_kind = @funds)
            ORDER BY b.contest_id LIMIT @limit FOR UPDATE SKIP LOCKED
            """, new { funds = HoldKinds.Funds, limit }, context.Transaction)];

    /// <summary>The contest's payouts held for funds not proven, oldest order first, locked.</summary>
    public static async Task<IReadOnlyList<PayoutRow>> HeldAsync(TransactionContext context, string contestId) =>
        [.. await context.Connection.QueryAsync<PayoutRow>($"""
            SELECT {PayoutStore.Columns} FROM payout.payouts WHERE contest_id = @contestId AND hold_kind = @funds
            ORDER BY ordered_at, payout_id FOR UPDATE
            """, new { contestId, funds = HoldKinds.Funds }, context.Transaction)];

    /// <summary>
    /// Refund orders not yet proven whose payment Stripe has answered Payout about (no read of it still asked for),
    /// locked, with what Stripe answered.
    /// </summary>
    public static async Task<IReadOnlyList<RefundCheck>> RefundsToProveAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<RefundCheck>("""
            SELECT r.refund_id, r.contest_id, r.player_id, r.payment_intent_id, r.amount_minor, r.currency,
                r.ordered_by,
                coalesce(v.found, false) AS found, v.status, v.contest_id AS paid_contest_id,
                coalesce(v.amount_minor, 0) AS paid_minor, v.currency AS paid_currency,
                coalesce(v.refunded_minor, 0) AS refunded_minor,
                EXISTS (SELECT 1 FROM payout.stripe_refunds_seen s WHERE s.refund_id = r.refund_id) AS seen_on_stripe
            FROM payout.refunds r JOIN payout.verified_payments v ON v.payment_intent_id = r.payment_intent_id
            WHERE NOT r.proven AND r.state = @waiting
              AND NOT EXISTS (SELECT 1 FROM payout.payment_reads q WHERE q.payment_intent_id = r.payment_intent_id)
            ORDER BY r.ordered_at, r.refund_id LIMIT @limit FOR UPDATE OF r SKIP LOCKED
            """, new { waiting = RefundLifecycle.Name(RefundState.Waiting), limit }, context.Transaction)];

    /// <summary>The refund may be sent: its payment is proven the contest's entry fee, with enough left.</summary>
    public static Task ProveRefundAsync(TransactionContext context, string refundId) =>
        context.Connection.ExecuteAsync(
            "UPDATE payout.refunds SET proven = true, updated_at = @now WHERE refund_id = @refundId AND NOT proven",
            new { refundId, now = context.Clock.GetUtcNow() }, context.Transaction);

    private static string? Meta(PaymentIntent intent, string key) =>
        intent.Metadata?.GetValueOrDefault(key) is { Length: > 0 } v ? v : null;
}
