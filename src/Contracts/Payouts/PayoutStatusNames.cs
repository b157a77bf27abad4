namespace ContestPipeline.Contracts.Payouts;

// Topic payouts.status (key: contest id): what became of each payout and refund order,
// published by Payout. Settlement records the money facts in the ledger (a prize
// transferred or reversed, a prize withheld, an entry fee refunded) and publishes PAID.
// Every message id is deterministic from the fact, so a re-sent or replayed fact is one
// message to a consumer's inbox.

/// <summary>
/// The names a payout's states are stored and published by (Payout's PayoutState): where a payout stands, lower-case.
/// </summary>
public static class PayoutStatusNames
{
    /// <summary>Ordered, or resumed: checked against the gates at the next dispatch.</summary>
    public const string Waiting = "waiting";
    /// <summary>The winner has no connected account that can receive transfers yet.</summary>
    public const string AwaitingAccount = "awaiting_account";
    /// <summary>Held by a gate (see <see cref="HoldKinds"/>).</summary>
    public const string Held = "held";
    /// <summary>Recorded before the Stripe call; re-sent with the same key until resolved.</summary>
    public const string Submitting = "submitting";
    /// <summary>The transfer exists on Stripe.</summary>
    public const string Paid = "paid";
    /// <summary>Stripe refused it for good, or retries ran out: an operator decides.</summary>
    public const string Failed = "failed";
    /// <summary>An operator rejected it: it is never sent.</summary>
    public const string Rejected = "rejected";
    /// <summary>
    /// Stripe answered with a transfer for another amount, currency or destination: money may
    /// have left. Final: never sent again under any key, never released; reconciled by hand.
    /// </summary>
    public const string Quarantined = "quarantined";
}
