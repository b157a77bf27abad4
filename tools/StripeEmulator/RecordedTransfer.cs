namespace ContestPipeline.StripeEmulation;

public sealed record RecordedTransfer(
    string Id, long Amount, string Currency, string Destination, string? TransferGroup,
    string? IdempotencyKey, IReadOnlyDictionary<string, string> Metadata, long Created);
