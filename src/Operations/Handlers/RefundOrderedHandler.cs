using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A refund of an entry fee ordered.</summary>
public sealed class RefundOrderedHandler : MessageHandler<RefundOrdered>
{
    public override async Task HandleAsync(RefundOrdered r, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.refunds (refund_id, contest_id, player_id, payment_intent_id, amount_minor, currency, reason, ordered_at, state)
            VALUES (@RefundId, @ContestId, @PlayerId, @PaymentIntentId, @AmountMinor, @Currency, @Reason, @at, 'ordered') ON CONFLICT DO NOTHING
            """, new { r.RefundId, r.ContestId, r.PlayerId, r.PaymentIntentId, r.AmountMinor, r.Currency, r.Reason, at = ReadModelStore.At(context) });
        await ReadModelStore.HistoryAsync(context, r.RefundId, r.ContestId, "refund_ordered", r.Reason, amountMinor: r.AmountMinor, currency: r.Currency);
        await ReadModelStore.TimelineAsync(context, r.ContestId, "refund_ordered",
            $"refund {r.RefundId} of {Money.Format(r.AmountMinor, r.Currency)} to {r.PlayerId} ordered: {r.Reason}");
    }
}
