namespace ContestPipeline.StripeEmulation;

public sealed record RecordedReversal(
    string Id, string Transfer, long Amount, string Currency,
    string? IdempotencyKey, IReadOnlyDictionary<string, string> Metadata, long Created);
