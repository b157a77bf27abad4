namespace ContestPipeline.StripeEmulation;

public sealed record RecordedRefund(
    string Id, string PaymentIntent, long Amount, string Currency,
    string? IdempotencyKey, IReadOnlyDictionary<string, string> Metadata, long Created);
