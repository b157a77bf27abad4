using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Stripe;

namespace ContestPipeline.Ingestion.Payments;

/// <summary>
/// What Stripe answered Ingestion about PaymentIntents (a list's pages, or GETs), merged per PaymentIntent as the
/// payments table merges them: a succeeded intent stays succeeded. Never what an event's body said.
/// </summary>
public sealed class PaymentFacts
{
    public Dictionary<string, PaymentIntent> Intents { get; } = new(StringComparer.Ordinal);

    public void Intent(PaymentIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        if (Intents.TryGetValue(intent.Id, out var seen) && seen.Status == StripeStatuses.Succeeded) return;
        Intents[intent.Id] = intent;
    }
}
