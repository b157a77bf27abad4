namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// What a dispute of a payment has moved on the platform's Stripe balance, as Stripe's read of the dispute lists it
/// (its balance transactions, every one so far), and where it stands: Payout publishes it each time its read finds
/// the dispute moved on (opened, closed). <see cref="Status"/> is Stripe's: open (<c>needs_response</c>,
/// <c>under_review</c>, ...), <c>won</c>, <c>lost</c> or <c>warning_closed</c>. Ledger: each transaction once, by its
/// id (what was withdrawn is disputed funds, the fee an expense); a dispute closed otherwise than won turns what it
/// still holds into a loss, once.
/// </summary>
public sealed record DisputeFundsMoved(
    string DisputeId,
    string PaymentIntentId,
    string Currency,
    string Status,
    IReadOnlyList<DisputeFundsTransaction> Transactions,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "DisputeFundsMoved";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    /// <summary>Stripe's status of a dispute the platform won: what it withdrew is given back.</summary>
    public const string WonStatus = "won";

    /// <summary>Stripe's statuses of a dispute that is over.</summary>
    public static readonly IReadOnlyList<string> ClosedStatuses = [WonStatus, "lost", "warning_closed"];

    /// <summary>
    /// Whether Stripe's <paramref name="status"/> closes the dispute against the platform: what it withdrew is lost.
    /// </summary>
    public static bool ClosedAgainst(string status) =>
        status != WonStatus && ClosedStatuses.Contains(status, StringComparer.Ordinal);

    /// <summary>One message per state of the dispute: its status and how many transactions it lists.</summary>
    public static string MessageIdFor(string disputeId, string status, int transactions) =>
        $"dispute:{disputeId}:{status}:{transactions}";
}

/// <summary>
/// One of a dispute's balance transactions: <see cref="AmountMinor"/> negative when funds were withdrawn, positive when
/// reinstated; <see cref="FeeMinor"/> Stripe's dispute fee taken with it (negative when given back).
/// </summary>
public sealed record DisputeFundsTransaction(string Id, long AmountMinor, long FeeMinor);
