using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations.Refunds;

/// <summary>
/// Entry-fee refunds as the read model shows them: one row each with where it stands. Its order and its outcome
/// arrive on two topics in any order, so whichever comes first makes the row and the other fills it in.
/// </summary>
public static class RefundStore
{
    public static Task RefundOrderedAsync(HandlerContext context, RefundOrdered order) =>
        InsertRefundAsync(context, order.RefundId, order.ContestId, order.PlayerId, order.PaymentIntentId,
            order.AmountMinor, order.Currency,
            order.Reason, At(context), "ordered");

    /// <summary>
    /// The refund made; its order may arrive later (another topic), and the refund's own facts suffice for its row.
    /// </summary>
    public static async Task RefundMadeAsync(HandlerContext context, EntryFeeRefunded refund)
    {
        await InsertRefundAsync(context, refund.RefundId, refund.ContestId, refund.PlayerId, refund.PaymentIntentId,
            refund.AmountMinor,
            refund.Currency, refund.Reason, refund.RefundedAt, "refunded");
        await ExecuteAsync(context, """
            UPDATE operations.refunds SET state = 'refunded', stripe_refund_id = @StripeRefundId,
                resolved_at = @RefundedAt
            WHERE refund_id = @RefundId
            """, refund);
    }

    public static async Task RefundFailedAsync(HandlerContext context, RefundFailed failure)
    {
        await InsertRefundAsync(context, failure.RefundId, failure.ContestId, failure.PlayerId, failure.PaymentIntentId,
            failure.AmountMinor,
            failure.Currency, failure.Reason, failure.At, "failed");
        await ExecuteAsync(context,
            "UPDATE operations.refunds SET state = 'failed', resolved_at = @At WHERE refund_id = @RefundId", failure);
    }

    private static Task InsertRefundAsync(HandlerContext context, string refundId, string contestId, string playerId,
        string paymentIntentId,
        long amountMinor, string currency, string reason, DateTimeOffset orderedAt, string state) =>
        ExecuteAsync(context, """
            INSERT INTO operations.refunds (refund_id, contest_id, player_id, payment_intent_id, amount_minor, currency,
                reason, ordered_at, state)
            VALUES (@refundId, @contestId, @playerId, @paymentIntentId, @amountMinor, @currency, @reason, @orderedAt,
                @state) ON CONFLICT DO NOTHING
            """,
            new { refundId, contestId, playerId, paymentIntentId, amountMinor, currency, reason, orderedAt, state });
}
