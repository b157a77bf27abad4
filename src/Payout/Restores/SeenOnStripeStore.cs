using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Restores;

/// <summary>
/// payout.stripe_transfers_seen and payout.stripe_refunds_seen (payout/0017): what a restore's reconciliation found
/// on Stripe naming this pipeline's payouts and refunds. A send reads them first and adopts what is there.
/// </summary>
public static class SeenOnStripeStore
{
    /// <summary>Records the transfers found (one row each; a transfer seen before stays as first seen).</summary>
    public static Task<int> AddTransfersAsync(TransactionContext context, string restoreId,
        IReadOnlyList<(TransferSeen Transfer, DateTimeOffset CreatedAt)> seen) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.stripe_transfers_seen (transfer_id, payout_id, amount_minor, currency, destination,
                reversed_minor, created_at, restore_id, seen_at)
            SELECT t.id, t.payout_id, t.amount_minor, t.currency, t.destination, t.reversed_minor, t.created_at,
                @restoreId, @now
            FROM unnest(@ids, @payouts, @amounts, @currencies, @destinations, @reversed, @created)
                AS t(id, payout_id, amount_minor, currency, destination, reversed_minor, created_at)
            ON CONFLICT (transfer_id) DO NOTHING
            """, new
            {
                restoreId, now = context.Clock.GetUtcNow(),
                ids = seen.Select(s => s.Transfer.Id).ToArray(),
                payouts = seen.Select(s => s.Transfer.PayoutId!).ToArray(),
                amounts = seen.Select(s => s.Transfer.AmountMinor).ToArray(),
                currencies = seen.Select(s => s.Transfer.Currency).ToArray(),
                destinations = seen.Select(s => s.Transfer.Destination).ToArray(),
                reversed = seen.Select(s => s.Transfer.ReversedMinor).ToArray(),
                created = seen.Select(s => s.CreatedAt).ToArray(),
            }, context.Transaction);

    /// <summary>Records the refunds found (one row each; a refund seen before stays as first seen).</summary>
    public static Task<int> AddRefundsAsync(TransactionContext context, string restoreId,
        IReadOnlyList<RefundSeen> seen) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.stripe_refunds_seen (stripe_refund_id, refund_id, payment_intent_id, amount_minor,
                currency, status, created_at, restore_id, seen_at)
            SELECT r.id, r.refund_id, r.payment_intent_id, r.amount_minor, r.currency, r.status, r.created_at,
                @restoreId, @now
            FROM unnest(@ids, @refunds, @payments, @amounts, @currencies, @statuses, @created)
                AS r(id, refund_id, payment_intent_id, amount_minor, currency, status, created_at)
            ON CONFLICT (stripe_refund_id) DO NOTHING
            """, new
            {
                restoreId, now = context.Clock.GetUtcNow(),
                ids = seen.Select(s => s.StripeRefundId).ToArray(), refunds = seen.Select(s => s.RefundId).ToArray(),
                payments = seen.Select(s => s.PaymentIntentId).ToArray(),
                amounts = seen.Select(s => s.AmountMinor).ToArray(),
                currencies = seen.Select(s => s.Currency).ToArray(), statuses = seen.Select(s => s.Status).ToArray(),
                created = seen.Select(s => s.CreatedAt).ToArray(),
            }, context.Transaction);

    /// <summary>
    /// The transfer seen on Stripe for each of these payouts that has one (the earliest, if several).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, TransferSeen>> TransfersOfAsync(TransactionContext context,
        IReadOnlyCollection<string> payoutIds)
    {
        if (payoutIds.Count == 0) return new Dictionary<string, TransferSeen>();
        var rows = await context.Connection.QueryAsync<(string Id, long Amount, string Currency, string? Destination,
            long Reversed, string PayoutId)>("""
            SELECT DISTINCT ON (payout_id) transfer_id, amount_minor, currency, destination, reversed_minor, payout_id
            FROM payout.stripe_transfers_seen WHERE payout_id = ANY(@ids) ORDER BY payout_id, created_at, transfer_id
            """, new { ids = payoutIds.ToArray() }, context.Transaction);
        return rows.ToDictionary(r => r.PayoutId,
            r => new TransferSeen(r.Id, r.Amount, r.Currency, r.Destination, r.Reversed, r.PayoutId));
    }

    /// <summary>The refund seen on Stripe for this refund order (the earliest, if several), or null.</summary>
    public static Task<RefundSeen?> RefundOfAsync(TransactionContext context, string refundId) =>
        context.Connection.QueryFirstOrDefaultAsync<RefundSeen?>("""
            SELECT stripe_refund_id, refund_id, payment_intent_id, amount_minor, currency, status, created_at
            FROM payout.stripe_refunds_seen WHERE refund_id = @refundId ORDER BY created_at, stripe_refund_id LIMIT 1
            """, new { refundId }, context.Transaction);
}
