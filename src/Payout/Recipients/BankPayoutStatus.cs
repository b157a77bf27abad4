namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// What became of a winner's bank payout from their connected account, as Stripe's payout.paid or payout.failed
/// says. Stored lower-case (<see cref="BankPayoutStore.StatusName"/>); the latest event's word stands.
/// </summary>
public enum BankPayoutStatus
{
    /// <summary>The money reached the winner's bank.</summary>
    Paid,
    /// <summary>The winner's bank details need fixing; the prize's transfer to their account stands.</summary>
    Failed,
}
