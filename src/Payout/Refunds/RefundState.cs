namespace ContestPipeline.Payout.Refunds;

/// <summary>Where a refund of an entry fee stands. Stored lower-case.</summary>
public enum RefundState
{
    /// <summary>Ordered: the refund job sends it when due.</summary>
    Waiting,
    /// <summary>Recorded before the Stripe call (its key is the refund id); sent again until resolved.</summary>
    Submitting,
    Refunded,
    Failed,
}
