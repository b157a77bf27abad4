namespace ContestPipeline.Operations.Queries.StripeEvents;

/// <summary>Stripe's events of one type: how many arrived, and what Payout made of them.</summary>
public sealed record WebhookTypeRow(string Type, long Received, long Handled, long NotHandled,
    DateTimeOffset LastReceived);
