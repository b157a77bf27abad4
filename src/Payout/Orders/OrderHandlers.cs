using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Orders;

/// <summary>
/// A prize order from Settlement: recorded once (the payout id is the key), waiting for the
/// dispatcher. Nothing is sent to Stripe here: the consume transaction stays short, and the
/// Stripe call happens between two recorded states.
/// </summary>
public sealed class PrizePayoutOrderedHandler : IMessageHandler
{
    public string MessageType => PrizePayoutOrdered.MessageType;
    public int SchemaVersionMax => PrizePayoutOrdered.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var order = message.Body<PrizePayoutOrdered>();
        if (!Currency.TryParse(order.Currency, out _))
            throw new MessageRejectedException($"payout {order.PayoutId}: unsupported currency '{order.Currency}'");
        if (order.NetMinor != order.GrossMinor - order.FeeMinor || order.FeeMinor < 0)
            throw new MessageRejectedException($"payout {order.PayoutId}: net {order.NetMinor} is not gross {order.GrossMinor} less fee {order.FeeMinor}");
        var now = context.Clock.GetUtcNow();
        // A prize eaten whole by the platform fee has nothing to transfer; Settlement counts it paid.
        if (order.NetMinor == 0) return;
        var existing = await PayoutStore.FindAsync(context, order.PayoutId, forUpdate: false);
        if (existing is not null)
        {
            if (existing.AmountMinor != order.NetMinor || existing.PlayerId != order.PlayerId || existing.EntryId != order.EntryId)
                throw new MessageRejectedException(
                    $"payout {order.PayoutId}: ordered again with other content (amount {order.NetMinor} vs {existing.AmountMinor}, " +
                    $"player {order.PlayerId} vs {existing.PlayerId}); the first order stands");
            return;
        }
        await PayoutStore.InsertAsync(context, new PayoutRow
        {
            PayoutId = order.PayoutId, ContestId = order.ContestId, EntryId = order.EntryId, PlayerId = order.PlayerId,
            PaymentIntentId = order.PaymentIntentId, AmountMinor = order.NetMinor, Currency = order.Currency, State = PayoutStates.Waiting,
            Reason = $"rank {order.Rank} prize ordered", Version = 1, NextAttemptAt = now, OrderedAt = now,
        });
    }
}

/// <summary>A refund order (cancelled contest, or a payment Ingestion would not accept): recorded once per PaymentIntent.</summary>
public sealed class RefundOrderedHandler : IMessageHandler
{
    public string MessageType => RefundOrdered.MessageType;
    public int SchemaVersionMax => RefundOrdered.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var order = message.Body<RefundOrdered>();
        if (order.AmountMinor <= 0)
            throw new MessageRejectedException($"refund {order.RefundId}: amount {order.AmountMinor} is not positive");
        if (order.RefundId != RefundOrdered.RefundIdFor(order.PaymentIntentId))
            throw new MessageRejectedException($"refund {order.RefundId}: id is not the one of payment {order.PaymentIntentId}");
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.refunds (refund_id, contest_id, player_id, payment_intent_id, amount_minor, currency, reason, state,
                next_attempt_at, ordered_at, updated_at)
            VALUES (@RefundId, @ContestId, @PlayerId, @PaymentIntentId, @AmountMinor, @Currency, @Reason, 'waiting', @now, @now, @now)
            ON CONFLICT (refund_id) DO NOTHING
            """, new { order.RefundId, order.ContestId, order.PlayerId, order.PaymentIntentId, order.AmountMinor, order.Currency, order.Reason, now },
            context.Transaction);
    }
}

/// <summary>
/// An operator's release or reject. It can only move a payout: amount and recipient are not
/// in the message. A decision that no longer fits (the payout was paid meanwhile) changes
/// nothing and says so in an alert.
/// </summary>
public sealed class PayoutReviewDecidedHandler : IMessageHandler
{
    public string MessageType => PayoutReviewDecided.MessageType;
    public int SchemaVersionMax => PayoutReviewDecided.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var d = message.Body<PayoutReviewDecided>();
        var payout = await PayoutStore.FindAsync(context, d.PayoutId)
                     ?? throw new MessageRejectedException($"review decision {d.DecisionId}: unknown payout {d.PayoutId}");
        var now = context.Clock.GetUtcNow();
        var by = $"{d.Decision} by {d.Operator}: {d.Reason}";
        switch (d.Decision)
        {
            case PayoutReviewDecided.Release when payout.State == PayoutStates.Failed && payout.ReversedMinor > 0:
                Ignored(context, d, payout, "its transfer was reversed; reject it (the prize is withheld) and order the payment anew");
                break;
            case PayoutReviewDecided.Release when payout.State is PayoutStates.Held or PayoutStates.Failed or PayoutStates.AwaitingAccount:
                // Released payouts skip the review and limit gates, never the account or the balance.
                await PayoutStore.SaveAsync(context, payout, payout with
                {
                    State = PayoutStates.Waiting, HoldKind = null, Reason = by, Released = true, Rounds = 0, NextAttemptAt = now,
                });
                break;
            case PayoutReviewDecided.Reject when payout.State is PayoutStates.Waiting or PayoutStates.Held or PayoutStates.Failed
                or PayoutStates.AwaitingAccount:
                await PayoutStore.SaveAsync(context, payout, payout with { State = PayoutStates.Rejected, HoldKind = null, Reason = by });
                // What is withheld is what the winner is still owed: all of it, or what a reversal took back.
                var withheld = payout.TransferId is null ? payout.AmountMinor : payout.ReversedMinor;
                PayoutStore.PublishFact(context, payout.ContestId, PayoutRejected.MessageIdFor(payout.PayoutId), PayoutRejected.MessageType,
                    PayoutRejected.SchemaVersion, new PayoutRejected(payout.PayoutId, payout.ContestId, payout.PlayerId, withheld, payout.Currency,
                        d.Operator, d.Reason, now));
                break;
            case PayoutReviewDecided.Release or PayoutReviewDecided.Reject:
                Ignored(context, d, payout, $"the payout is {payout.State}");
                break;
            default:
                throw new MessageRejectedException($"review decision {d.DecisionId}: decision '{d.Decision}' is neither release nor reject");
        }
    }

    private static void Ignored(HandlerContext context, PayoutReviewDecided d, PayoutRow payout, string why) =>
        context.RaiseAlert(PayoutWorker.Name, "warning", "review_decision_ignored", payout.PayoutId,
            $"{d.Decision} of payout {payout.PayoutId} by {d.Operator} changed nothing: {why}", d.DecisionId);
}
