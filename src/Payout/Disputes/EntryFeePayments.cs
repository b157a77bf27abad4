using Event = Stripe.Event;
using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Payout.Funds;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// payment_intent.succeeded tells whose entry fee a payment is, for the dispute rules
/// (<see cref="DisputeRules"/>). One comes for every entry, most of them in the minutes before a lock, so a
/// run of them is recorded in one statement (<see cref="DisputeRuleStore.RecordPaymentsAsync"/>) with the same
/// outcome each would have had alone.
/// </summary>
public static class EntryFeePayments
{
    public const string Type = "payment_intent.succeeded";

    /// <summary>The payment and its player (null when its metadata names none), or a rejection naming the event.
    /// </summary>
    public static Payment Read(Event stripeEvent)
    {
        var intent = StripeEventReader.Object<PaymentIntent>(stripeEvent);
        return new Payment(intent.Id,
            intent.Metadata?.GetValueOrDefault(PaymentMetadata.PlayerId) is { Length: > 0 } player ? player : null);
    }

    /// <summary>
    /// The read of the payment the event names, for <see cref="Funds.VerifyFundsJob"/>: the body's creation time is
    /// only where to look for it in a list; nothing else of the body counts.
    /// </summary>
    public static PaymentRead ReadOf(Event stripeEvent)
    {
        var intent = StripeEventReader.Object<PaymentIntent>(stripeEvent);
        return new PaymentRead(intent.Id, stripeEvent.Id, PaymentReader.CreatedAt(intent));
    }

    /// <summary>
    /// Records a run of payments in the run's order; what was made of each, as it would have been one at a time (the
    /// first of one payment in the run records it, any later one finds it known).
    /// </summary>
    public static async Task<string[]> RecordAsync(TransactionContext context, IReadOnlyList<Payment> payments)
    {
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in payments)
            if (p.Player is { } player) first.TryAdd(p.PaymentIntentId, player);
        var recorded = first.Count == 0 ? [] : await DisputeRuleStore.RecordPaymentsAsync(context, first);
        var outcomes = new string[payments.Count];
        for (var i = 0; i < payments.Count; i++)
            outcomes[i] = payments[i].Player is not { } player ? "a payment naming no player"
                : recorded.Remove(payments[i].PaymentIntentId) ? $"entry fee of player {player}"
                : "payment known already";
        return outcomes;
    }

    public sealed record Payment(string PaymentIntentId, string? Player);
}
