namespace ContestPipeline.Contracts.Payouts;

/// <summary>Why a payout is held, and whether it resumes by itself.</summary>
public static class HoldKinds
{
    /// <summary>Above the review threshold: an operator releases or rejects it.</summary>
    public const string Review = "review";
    /// <summary>Above the maximum single payout or the recipient's monthly amount: an operator decides.</summary>
    public const string Limit = "limit";
    /// <summary>
    /// Above the cap for accounts younger than the new-account age: resumes when the account is old enough, or an
    /// operator releases it.
    /// </summary>
    public const string NewAccount = "new_account";
    /// <summary>Over the per-recipient daily count or amount: resumes when the rolling 24 hours allow it.</summary>
    public const string Velocity = "velocity";
    /// <summary>The platform's available balance cannot cover it: resumes when it can.</summary>
    public const string Balance = "balance";
    /// <summary>
    /// The entry fee behind the prize was refunded or disputed: resumes when a dispute is won, else an operator
    /// decides.
    /// </summary>
    public const string Frozen = "frozen";
    /// <summary>
    /// Beyond the entry fees Payout has verified on Stripe as paid in for the contest: resumes when more are verified
    /// and it fits, else an operator decides.
    /// </summary>
    public const string Funds = "funds";

    public static IReadOnlyList<string> All { get; } = [Review, Limit, NewAccount, Velocity, Balance, Frozen, Funds];

    public static bool ResumesByItself(string kind) => kind is Velocity or Balance or NewAccount;
}
