namespace ContestPipeline.Payout.StripeEvents;

/// <summary>
/// What payout.stripe_events keeps of an event: its id, type, connected account and when Stripe created it (Unix
/// seconds).
/// </summary>
public sealed record StripeEventSeen(string Id, string Type, string? Account, long Created);
