using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Funds;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// A refund order (cancelled contest, or a payment Ingestion would not accept): recorded once
/// per PaymentIntent, for the refund job. It is applied only while it is still valid, however
/// late it comes (a re-drive, a replay): a payment whose entry won a prize that is not
/// rejected is not refunded (the player would get the fee back and the prize), and the order
/// is dead-lettered with a critical alert. So is an order for a payment already ordered refunded
/// with other facts (amount, currency, player or contest). A new order is sent only once Payout has itself verified
/// the payment on Stripe as that contest's entry fee with at least the amount left unrefunded
/// (<see cref="VerifyFundsJob"/>); otherwise it fails unsent, with a critical alert. Ingestion's order for a payment it
/// published as an accepted entry's is refused, and one that comes first waits unsent for Ingestion's word that the
/// payment made no entry (<see cref="EntryRejectedHandler"/>, <see cref="EntriesClosedHandler"/>), so an acceptance
/// that comes after refuses it unsent (<see cref="EntryAcceptedHandler"/>).
/// </summary>
public sealed class RefundOrderedHandler : MessageHandler<RefundOrdered>
{
    public override async Task HandleAsync(RefundOrdered order, HandlerContext context, CancellationToken ct)
    {
        if (order.AmountMinor <= 0)
            throw new MessageRejectedException($"refund {order.RefundId}: amount {order.AmountMinor} is not positive");
        if (order.RefundId != RefundOrdered.RefundIdFor(order.PaymentIntentId))
            throw new MessageRejectedException($"refund {order.RefundId}: id is not the one of payment " +
                $"{order.PaymentIntentId}");
        var prizes = await PayoutStore.OfPaymentAsync(context, order.PaymentIntentId,
            [.. PayoutLifecycle.States.Where(s => s != PayoutState.Rejected)]);
        if (prizes.Count > 0)
            throw new MessageRejectedException(
                $"refund {order.RefundId}: payment {order.PaymentIntentId} paid for an entry that won prize " +
                $"{prizes[0].PayoutId} ({PayoutLifecycle.Name(prizes[0].State)}); " +
                "a prize's entry fee is refunded only once the prize is rejected", AlertSeverities.Critical);
        // Ingestion refunds only payments it made no entry of; an accepted entry's fee goes back with its contest
        // cancelled, on Settlement's order. Its word that an entry was accepted stands against its own refund.
        var producer = context.Incoming!.Producer;
        await RefundStore.LockGroundsAsync(context, order.ContestId, order.PaymentIntentId);
        if (producer == Producers.Ingestion
            && await RefundStore.AcceptedEntryOfAsync(context, order.PaymentIntentId) is { } entryId)
            throw new MessageRejectedException(
                $"refund {order.RefundId}: payment {order.PaymentIntentId} paid for entry {entryId}, which Ingestion " +
                "accepted; Ingestion may refund only a payment it made no entry of (an accepted entry's fee is " +
                "refunded when its contest is cancelled, on Settlement's order)", AlertSeverities.Critical);
        if (await RefundStore.InsertAsync(context, order, context.Incoming.Envelope.MessageId, producer))
        {
            // Sent only once Payout has read the payment from Stripe itself and proven it this contest's entry fee
            // with the amount left to refund (VerifyFundsJob); otherwise refused, unsent, with a critical alert.
            // A fee verified succeeded already is not read again (a cancelled contest's refunds cost no reads; Stripe
            // itself refuses a refund past what is left).
            if (!await FundsStore.SucceededAsync(context, order.PaymentIntentId))
                await FundsStore.RequestAsync(context,
                    [new PaymentRead(order.PaymentIntentId, context.Incoming.Envelope.MessageId, null)]);
            return;
        }
        // Ordered before: the same order again is a repeat; one with other facts is refused, the first stands.
        var first = await RefundStore.OrderedAsync(context, order.RefundId);
        if (first is { } f && f != (order.ContestId, order.PlayerId, order.AmountMinor, order.Currency))
            throw new MessageRejectedException(
                $"refund {order.RefundId}: ordered again with other content ({order.AmountMinor} {order.Currency} " +
                $"to {order.PlayerId} for {order.ContestId}; first {f.AmountMinor} {f.Currency} to {f.PlayerId} " +
                $"for {f.ContestId}); the first stands", AlertSeverities.Critical);
    }
}
