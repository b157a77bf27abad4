using ContestPipeline.Contracts.Payouts;

namespace ContestPipeline.Payout.Transfers;

/// <summary>Where a payout stands. Stored and published by the wire names of <see cref="PayoutStatusNames"/>.</summary>
public enum PayoutState
{
    /// <summary>Ordered, or resumed: checked against the gates at the next dispatch.</summary>
    Waiting,
    /// <summary>The winner has no connected account that can receive transfers yet.</summary>
    AwaitingAccount,
    /// <summary>Held by a gate (<see cref="PayoutHold"/>).</summary>
    Held,
    /// <summary>
    /// Recorded with its idempotency key before the Stripe call; re-sent under that key until resolved.
    /// </summary>
    Submitting,
    /// <summary>Its transfer exists on Stripe.</summary>
    Paid,
    /// <summary>
    /// Stripe refused it for good, retries ran out, or its transfer was reversed: an operator decides.
    /// </summary>
    Failed,
    /// <summary>An operator rejected it: it is never sent.</summary>
    Rejected,
    /// <summary>
    /// Stripe returned a transfer for another amount, currency or destination: money may have
    /// left. Final: never sent again under any key, never released.
    /// </summary>
    Quarantined,
}
