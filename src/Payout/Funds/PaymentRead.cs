namespace ContestPipeline.Payout.Funds;

/// <summary>
/// A PaymentIntent Payout is to read from Stripe, asked by <see cref="EventId"/> (a Stripe event, or a refund order's
/// message); <see cref="Created"/> is when that asker says it was made, used only to list it with others by creation
/// time (a wrong one costs a GET, never a fact).
/// </summary>
public sealed record PaymentRead(string PaymentIntentId, string EventId, DateTimeOffset? Created,
    DateTimeOffset? RequestedAt = null);
