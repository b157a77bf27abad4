using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Domain;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.Store.ReadModelStore;

namespace ContestPipeline.Operations.Store;

/// <summary>
/// Payouts and refunds as the read model shows them: one row each with where it stands, and
/// its append-only history. Their facts arrive on two topics in any order, so whichever comes
/// first makes the row and the other fills it in.
/// </summary>
public static class MoneyStore
{
    /// <summary>One step of a payout's or refund's history; a step seen again is one row.</summary>
    public static Task HistoryAsync(HandlerContext context, string subjectId, string contestId, string @event,
        string reason,
        string? state = null, string? holdKind = null, string? @operator = null, long? amountMinor = null,
        string? currency = null) =>
        ExecuteAsync(context, """
            INSERT INTO operations.money_history (message_id, subject_id, contest_id, at, event, state, hold_kind,
                operator, reason, amount_minor,
                currency)
            VALUES (@id, @subjectId, @contestId, @at, @event, @state, @holdKind, @operator, @reason, @amountMinor,
                @currency) ON CONFLICT DO NOTHING
            """,
            new { id = MessageId(context), subjectId, contestId, at = At(context), @event, state, holdKind, @operator,
                reason, amountMinor, currency });

    /// <summary>The order, filling in a row its status made first; false when the order was recorded already.</summary>
    public static async Task<bool> PayoutOrderedAsync(HandlerContext context, PrizePayoutOrdered order) =>
        await ExecuteAsync(context, """
            INSERT INTO operations.payouts (payout_id, contest_id, entry_id, player_id, kind, rank, gross_minor,
                fee_minor, net_minor, currency,
                ordered_at, state, reason)
            VALUES (@PayoutId, @ContestId, @EntryId, @PlayerId, @kind, @Rank, @GrossMinor, @FeeMinor, @NetMinor,
                @Currency, @at, 'ordered', 'ordered')
            ON CONFLICT (payout_id) DO UPDATE SET entry_id = excluded.entry_id, kind = excluded.kind,
                rank = excluded.rank,
                gross_minor = excluded.gross_minor, fee_minor = excluded.fee_minor, ordered_at = excluded.ordered_at
            WHERE payouts.entry_id = ''
            """, new
        {
            order.PayoutId, order.ContestId, order.EntryId, order.PlayerId, kind = PayoutKinds.Of(order.PayoutId),
            order.Rank,
            order.GrossMinor, order.FeeMinor, order.NetMinor, order.Currency, at = At(context),
        }) == 1;

    /// <summary>
    /// Where the payout stands now, unless a later version was recorded already; a row for it when its order is still
    /// to come.
    /// </summary>
    public static async Task PayoutStatusAsync(HandlerContext context, PayoutStatusChanged status)
    {
        await ExecuteAsync(context, """
            INSERT INTO operations.payouts (payout_id, contest_id, entry_id, player_id, kind, rank, gross_minor,
                fee_minor, net_minor, currency,
                ordered_at, state, reason)
            VALUES (@PayoutId, @ContestId, '', @PlayerId, @kind, 0, @AmountMinor, 0, @AmountMinor, @Currency, @At,
                'ordered', 'ordered')
            ON CONFLICT DO NOTHING
            """,
            new { status.PayoutId, status.ContestId, status.PlayerId, kind = PayoutKinds.Of(status.PayoutId),
                status.AmountMinor, status.Currency, status.At });
        await ExecuteAsync(context, """
            UPDATE operations.payouts SET state = @To, hold_kind = @HoldKind, reason = @Reason, version = @Version,
                approvals = CASE WHEN @To = 'held' THEN approvals ELSE 0 END,
                approved_by = CASE WHEN @To = 'held' THEN approved_by END
            WHERE payout_id = @PayoutId AND version < @Version
            """, status);
    }

    /// <summary>An approval short of the release: the count and who gave it, while the payout is still held.</summary>
    public static Task PayoutApprovedAsync(HandlerContext context, PayoutReleaseApproved approval) =>
        ExecuteAsync(context,
            "UPDATE operations.payouts SET approvals = @Approvals, approved_by = @Operator " +
            "WHERE payout_id = @PayoutId AND state = 'held'", approval);

    public static Task PayoutTransferredAsync(HandlerContext context, PrizeTransferred transfer) =>
        ExecuteAsync(context,
            "UPDATE operations.payouts SET transfer_id = @TransferId, paid_at = @TransferredAt " +
            "WHERE payout_id = @PayoutId", transfer);

    /// <summary>Totals, not increments: a reversal read twice, or out of order, adds nothing.</summary>
    public static Task PayoutReversedAsync(HandlerContext context, PrizeTransferReversed reversal) =>
        ExecuteAsync(context,
            "UPDATE operations.payouts SET reversed_minor = greatest(reversed_minor, @ReversedTotalMinor) " +
            "WHERE payout_id = @PayoutId", reversal);

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
