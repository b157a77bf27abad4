namespace ContestPipeline.Operations.Queries.StripeEvents;

/// <summary>One Stripe event as it arrived, and what Payout made of it.</summary>
public sealed record StripeEventRow(string EventId, string Type, string? ObjectId, string? Account,
    DateTimeOffset ReceivedAt, string? Outcome);
