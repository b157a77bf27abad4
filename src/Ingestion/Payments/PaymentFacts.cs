using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Stripe;

namespace ContestPipeline.Ingestion.Payments;

/// <summary>
/// What a run of Stripe events says about PaymentIntents, merged per PaymentIntent as the
/// payments table merges them: a succeeded intent stays succeeded, refunds and disputes only add.
/// </summary>
public sealed class PaymentFacts
{
    public Dictionary<string, PaymentIntent> Intents { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (string? ChargeId, long AmountRefunded, bool Disputed)> Charges { get; } =
        new(StringComparer.Ordinal);

    public void Intent(PaymentIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        if (Intents.TryGetValue(intent.Id, out var seen) && seen.Status == StripeStatuses.Succeeded) return;
        Intents[intent.Id] = intent;
    }

    public void Charge(string paymentIntentId, string? chargeId, long amountRefunded, bool disputed)
    {
        var (c, r, d) = Charges.GetValueOrDefault(paymentIntentId);
        Charges[paymentIntentId] = (c ?? chargeId, Math.Max(r, amountRefunded), d || disputed);
    }
}
