namespace ContestPipeline.StripeEmulation;

/// <summary>Every money movement the emulator ever made, for invariant checks ("one transfer per payout").</summary>
public sealed record StripeEmulatorLedger(
    IReadOnlyList<RecordedTransfer> Transfers,
    IReadOnlyList<RecordedReversal> Reversals,
    IReadOnlyList<RecordedRefund> Refunds);
