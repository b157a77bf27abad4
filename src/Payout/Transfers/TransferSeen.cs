namespace ContestPipeline.Payout.Transfers;

/// <summary>
/// A transfer as Stripe has it, as much as Payout needs to tell whether it pays a payout: its
/// amount, currency and destination, what came back of it, and the payout it names in its
/// metadata. Amounts are minor units.
/// </summary>
public sealed record TransferSeen(
    string Id,
    long AmountMinor,
    string Currency,
    string? Destination,
    long ReversedMinor,
    string? PayoutId);
