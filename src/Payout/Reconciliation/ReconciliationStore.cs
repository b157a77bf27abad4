using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Reconciliation;

/// <summary>
/// payout.stripe_reconciliation_cursors and payout.stripe_records_reported (payout/0019), and the payouts a listed
/// transfer is matched against.
/// </summary>
public static class ReconciliationStore
{
    /// <summary>The payout a transfer names, as Payout recorded it: null when Payout has no such payout.</summary>
    public sealed record OrderedTransfer(string PayoutId, long AmountMinor, string Currency, string? AccountId,
        string? TransferId);

    /// <summary>Where the last pass over <paramref name="resource"/> got to; null before the first pass.</summary>
    public static Task<DateTimeOffset?> ListedSinceAsync(TransactionContext context, string resource) =>
        context.Connection.QuerySingleOrDefaultAsync<DateTimeOffset?>(
            "SELECT listed_since FROM payout.stripe_reconciliation_cursors WHERE resource = @resource",
            new { resource }, context.Transaction);

    /// <summary>Moves the cursor forward (never back: two passes at once keep the later one).</summary>
    public static Task<int> AdvanceAsync(TransactionContext context, string resource, DateTimeOffset listedSince) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.stripe_reconciliation_cursors (resource, listed_since, passed_at)
            VALUES (@resource, @listedSince, @now)
            ON CONFLICT (resource) DO UPDATE SET
                listed_since = GREATEST(stripe_reconciliation_cursors.listed_since, excluded.listed_since),
                passed_at = excluded.passed_at
            """, new { resource, listedSince, now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>The payout with this id, or the payout paid by this transfer; null when Payout has neither.</summary>
    public static Task<OrderedTransfer?> OrderedAsync(TransactionContext context, string? payoutId,
        string transferId) =>
        context.Connection.QuerySingleOrDefaultAsync<OrderedTransfer?>("""
            SELECT payout_id AS PayoutId, amount_minor AS AmountMinor, currency AS Currency,
                account_id AS AccountId, transfer_id AS TransferId
            FROM payout.payouts WHERE payout_id = @payoutId OR transfer_id = @transferId
            ORDER BY (payout_id = @payoutId) DESC LIMIT 1
            """, new { payoutId, transferId }, context.Transaction);

    /// <summary>Records a finding about a record; false when it was reported before (nothing to raise again).</summary>
    public static async Task<bool> FirstReportAsync(TransactionContext context, string recordId, string resource,
        string finding) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.stripe_records_reported (record_id, resource, finding, reported_at)
            VALUES (@recordId, @resource, @finding, @now)
            ON CONFLICT (record_id) DO NOTHING
            """, new { recordId, resource, finding, now = context.Clock.GetUtcNow() }, context.Transaction) == 1;

    /// <summary>
    /// Whether Payout has heard of this dispute: an event about it handled (its webhook came) or a read of it asked.
    /// </summary>
    public static Task<bool> DisputeKnownAsync(TransactionContext context, string disputeId) =>
        context.Connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM payout.stripe_events WHERE object_id = @disputeId)
                OR EXISTS (SELECT 1 FROM payout.dispute_reads WHERE dispute_id = @disputeId)
            """, new { disputeId }, context.Transaction);

    /// <summary>A refund as Payout recorded it.</summary>
    public sealed record MadeRefund(string RefundId, string PaymentIntentId, long AmountMinor, string? StripeRefundId);

    /// <summary>The refund with this id, or the one Stripe made as this refund; null when Payout has neither.</summary>
    public static Task<MadeRefund?> RefundMadeAsync(TransactionContext context, string? refundId,
        string stripeRefundId) =>
        context.Connection.QuerySingleOrDefaultAsync<MadeRefund?>("""
            SELECT refund_id AS RefundId, payment_intent_id AS PaymentIntentId, amount_minor AS AmountMinor,
                stripe_refund_id AS StripeRefundId
            FROM payout.refunds WHERE refund_id = @refundId OR stripe_refund_id = @stripeRefundId
            ORDER BY (refund_id = @refundId) DESC LIMIT 1
            """, new { refundId, stripeRefundId }, context.Transaction);

    /// <summary>Whether an event about this charge (charge.refunded) reached Payout.</summary>
    public static Task<bool> ChargeEventKnownAsync(TransactionContext context, string chargeId) =>
        context.Connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM payout.stripe_events WHERE object_id = @chargeId)",
            new { chargeId }, context.Transaction);
}
