using ContestPipeline.Contracts.Payouts;

namespace ContestPipeline.Payout.Transfers;

/// <summary>
/// Why a held payout is held: the gate that held it. Stored and published by the wire names of
/// <see cref="HoldKinds"/> (<see cref="PayoutLifecycle.HoldName"/>).
/// </summary>
public enum PayoutHold
{
    /// <summary>Above the review threshold, or a suspicious pattern: an operator releases or rejects it.</summary>
    Review,
    /// <summary>Above the maximum single payout or the recipient's monthly amount: an operator decides.</summary>
    Limit,
    /// <summary>Above the cap for young accounts: resumes when the account is old enough, or on a release.</summary>
    NewAccount,
    /// <summary>Over the recipient's daily count or amount, or too soon after the last: resumes by itself.</summary>
    Velocity,
    /// <summary>The platform's available balance cannot cover it: resumes when it can.</summary>
    Balance,
    /// <summary>The entry fee behind the prize was refunded or disputed: resumes when a dispute is won.</summary>
    Frozen,
    /// <summary>
    /// Beyond the contest's verified entry fees (<see cref="Funds.ContestFunds"/>): released by the funds job once it
    /// fits, else an operator decides.
    /// </summary>
    Funds,
}
