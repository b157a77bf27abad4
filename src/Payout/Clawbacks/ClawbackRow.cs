namespace ContestPipeline.Payout.Clawbacks;

/// <summary>A clawback claimed to be called for, with the prize's transfer and what it is taken back for.</summary>
public sealed record ClawbackRow(
    string PayoutId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    string Cause,
    int Rounds,
    string TransferId,
    long AmountMinor,
    string Currency,
    string? AccountId);
