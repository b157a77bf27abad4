using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>Stripe refused a refund for good.</summary>
public sealed class RefundFailedHandler : MessageHandler<RefundFailed>
{
    public override async Task HandleAsync(RefundFailed r, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.refunds (refund_id, contest_id, player_id, payment_intent_id, amount_minor, currency, reason, ordered_at, state)
            VALUES (@RefundId, @ContestId, @PlayerId, @PaymentIntentId, @AmountMinor, @Currency, @Reason, @At, 'failed') ON CONFLICT DO NOTHING
            """, r);
        await ReadModelStore.ExecuteAsync(context, "UPDATE operations.refunds SET state = 'failed', resolved_at = @At WHERE refund_id = @RefundId", r);
        await ReadModelStore.HistoryAsync(context, r.RefundId, r.ContestId, "refund_failed", r.Reason, "failed", amountMinor: r.AmountMinor, currency: r.Currency);
    }
}
