using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations.Payouts;

/// <summary>
/// Payouts as the read model shows them: one row each with where it stands (its steps go to
/// <see cref="MoneyHistoryStore"/>), and whether Payout dispatches at all. A payout's facts arrive
/// on two topics in any order, so whichever comes first makes the row and the other fills it in.
/// </summary>
public static class PayoutStore
{
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

    /// <summary>Payout's own word on whether it dispatches; an older word arriving late changes nothing.</summary>
    public static Task DispatchChangedAsync(HandlerContext context, PayoutDispatchChanged change) =>
        ExecuteAsync(context, """
            UPDATE operations.dispatch SET halted = @Halted, decision_id = @DecisionId, operator = @Operator,
                reason = @Reason, changed_at = @At
            WHERE changed_at IS NULL OR changed_at <= @At
            """, change);
}
