using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// A prize order from Settlement: recorded once (the payout id is the key), waiting for the
/// transfer job, and only within what Settlement authorized for its contest
/// (<see cref="ContestPayoutsAuthorized"/>); beyond that it is refused with a critical alert. Nothing is sent to Stripe here: the consume transaction stays short, and the
/// Stripe call happens between two recorded states.
/// </summary>
public sealed class PrizePayoutOrderedHandler : MessageHandler<PrizePayoutOrdered>
{
    public override async Task HandleAsync(PrizePayoutOrdered order, HandlerContext context, CancellationToken ct)
    {
        if (!Currency.TryParse(order.Currency, out _))
            throw new MessageRejectedException($"payout {order.PayoutId}: unsupported currency '{order.Currency}'");
        if (order.FeeMinor < 0 || order.NetMinor != order.GrossMinor - order.FeeMinor)
            throw new MessageRejectedException($"payout {order.PayoutId}: net {order.NetMinor} is not gross {order.GrossMinor} less fee {order.FeeMinor}");
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
        // Only within what Settlement authorized for the contest: count and net total, never beyond.
        await AuthorizationStore.TakeAsync(context, order);
        var now = context.Clock.GetUtcNow();
        await PayoutStore.InsertAsync(context, new PayoutRow
        {
            PayoutId = order.PayoutId, ContestId = order.ContestId, EntryId = order.EntryId, PlayerId = order.PlayerId,
            PaymentIntentId = order.PaymentIntentId, AmountMinor = order.NetMinor, Currency = order.Currency, State = PayoutStates.Waiting,
            Reason = $"rank {order.Rank} prize ordered", Version = 1, NextAttemptAt = now, OrderedAt = now,
            OrderedBy = context.Incoming!.Envelope.MessageId,
        });
    }
}
