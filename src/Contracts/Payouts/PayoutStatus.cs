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

    public static IReadOnlyList<string> All { get; } = [Review, Limit, NewAccount, Velocity, Balance, Frozen];

    public static bool ResumesByItself(string kind) => kind is Velocity or Balance or NewAccount;
}

/// <summary>A payout moved from one state to another. <see cref="Version"/> counts the payout's changes.</summary>
public sealed record PayoutStatusChanged(
    string PayoutId,
    string ContestId,
    string PlayerId,
    long AmountMinor,
    string Currency,
    string From,
    string To,
    string? HoldKind,
    string Reason,
    int Version,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PayoutStatusChanged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId, int version) => $"payout:{payoutId}:status:{version}";
}

/// <summary>
/// A prize is paid: its transfer of <see cref="AmountMinor"/> (the net prize) exists on
/// Stripe. Ledger: the winner's prize payable is settled from the platform's Stripe balance.
/// </summary>
public sealed record PrizeTransferred(
    string PayoutId,
    string ContestId,
    string EntryId,
    string PlayerId,
    string AccountId,
    string TransferId,
    long AmountMinor,
    string Currency,
    DateTimeOffset TransferredAt) : IMessage
{
    public const string MessageType = "PrizeTransferred";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId) => $"payout:{payoutId}:transferred";
}

/// <summary>
/// Money came back from a prize transfer (transfer.reversed, or a legacy transfer.failed):
/// <see cref="AmountMinor"/> this time, <see cref="ReversedTotalMinor"/> so far. Ledger: the
/// prize is payable again.
/// </summary>
public sealed record PrizeTransferReversed(
    string PayoutId,
    string ContestId,
    string PlayerId,
    string TransferId,
    long AmountMinor,
    long ReversedTotalMinor,
    string Currency,
    string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PrizeTransferReversed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId, long reversedTotalMinor) =>
        $"payout:{payoutId}:reversed:{reversedTotalMinor}";
}

/// <summary>An operator rejected a held or failed payout: it is never sent. Ledger: the prize is withheld.</summary>
public sealed record PayoutRejected(
    string PayoutId,
    string ContestId,
    string PlayerId,
    long AmountMinor,
    string Currency,
    string Operator,
    string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PayoutRejected";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId) => $"payout:{payoutId}:rejected";
}

/// <summary>
/// An entry fee went back to the player (<see cref="StripeRefundId"/>; null when Stripe says
/// the charge was already refunded outside the pipeline). Ledger: the fee leaves the contest,
/// or, for a payment that never became an entry, passes through unapplied payments.
/// </summary>
public sealed record EntryFeeRefunded(
    string RefundId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    long AmountMinor,
    string Currency,
    string? StripeRefundId,
    string Reason,
    DateTimeOffset RefundedAt) : IMessage
{
    public const string MessageType = "EntryFeeRefunded";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string refundId) => $"refund:{refundId}:refunded";
}

/// <summary>Stripe refused a refund for good; an alert goes with it. No money moved.</summary>
public sealed record RefundFailed(
    string RefundId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    long AmountMinor,
    string Currency,
    string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "RefundFailed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string refundId) => $"refund:{refundId}:failed";
}

/// <summary>
/// Published before onboarding links were kept off the topics: a winner needs a connected account, and this
/// link onboards them. Payout no longer publishes it (<see cref="RecipientOnboardingNeeded"/> replaced it); it is
/// read for what is already on the topic, and its link is not passed on.
/// </summary>
public sealed record RecipientOnboardingRequested(
    string PlayerId,
    string ContestId,
    string AccountId,
    string OnboardingUrl,
    DateTimeOffset ExpiresAt) : IMessage
{
    public const string MessageType = "RecipientOnboardingRequested";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string playerId, string accountId) =>
        $"recipient:{playerId}:onboarding:{accountId}";
}

/// <summary>
/// A winner needs a connected account: one was created for them. No link travels here (a Stripe account link is a
/// bearer secret that expires within minutes): the winner is sent to <see cref="OnboardingPath"/> on the
/// platform's read API, which asks Payout for a fresh link each time.
/// </summary>
public sealed record RecipientOnboardingNeeded(
    string PlayerId,
    string ContestId,
    string AccountId,
    string OnboardingPath,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "RecipientOnboardingNeeded";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string playerId, string accountId) =>
        $"recipient:{playerId}:onboarding-needed:{accountId}";

    /// <summary>
    /// The read API's path that mints a fresh onboarding link for <paramref name="playerId"/> (no secret in it).
    /// </summary>
    public static string PathFor(string playerId) => $"/recipients/{Uri.EscapeDataString(playerId)}/onboarding-link";
}

/// <summary>
/// A transfer that names a payout but is not the one ordered (another amount, currency or
/// destination) came back from Stripe for it: the payout is quarantined (final, never sent
/// again, never released) and money may have left. Ledger: what the transfer moved leaves the
/// platform's Stripe balance into transfers in question, until an operator reconciles it; the
/// prize stays payable. <see cref="Destination"/> is null when the transfer names none.
/// </summary>
public sealed record PrizeTransferQuarantined(
    string PayoutId,
    string ContestId,
    string PlayerId,
    string TransferId,
    string? Destination,
    long AmountMinor,
    string Currency,
    string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PrizeTransferQuarantined";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId) => $"payout:{payoutId}:quarantined";
}
