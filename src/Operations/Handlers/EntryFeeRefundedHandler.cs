using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>An entry fee went back to the player; they are told.</summary>
public sealed class EntryFeeRefundedHandler : MessageHandler<EntryFeeRefunded>
{
    public override async Task HandleAsync(EntryFeeRefunded r, HandlerContext context, CancellationToken ct)
    {
        // The order may arrive later (another topic); the refund's own facts suffice for its row.
        await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.refunds (refund_id, contest_id, player_id, payment_intent_id, amount_minor, currency, reason, ordered_at, state)
            VALUES (@RefundId, @ContestId, @PlayerId, @PaymentIntentId, @AmountMinor, @Currency, @Reason, @RefundedAt, 'refunded') ON CONFLICT DO NOTHING
            """, r);
        await ReadModelStore.ExecuteAsync(context,
            "UPDATE operations.refunds SET state = 'refunded', stripe_refund_id = @StripeRefundId, resolved_at = @RefundedAt WHERE refund_id = @RefundId", r);
        await ReadModelStore.HistoryAsync(context, r.RefundId, r.ContestId, "refunded", $"{r.Reason} ({r.StripeRefundId ?? "refunded outside the pipeline"})",
            "refunded", amountMinor: r.AmountMinor, currency: r.Currency);
        await ReadModelStore.TimelineAsync(context, r.ContestId, "refunded", $"refund {r.RefundId} of {Money.Format(r.AmountMinor, r.Currency)} to {r.PlayerId} made");
        ReadModelStore.NotifyPlayer(context, r.PlayerId, "entry_refunded", $"{Money.Format(r.AmountMinor, r.Currency)} refunded",
            $"Your entry fee for {r.ContestId} was refunded: {r.Reason}");
    }
}
