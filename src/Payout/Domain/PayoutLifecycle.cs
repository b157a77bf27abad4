using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Payout.Domain;

/// <summary>
/// The payout lifecycle: the one transition table, the states the transfer job picks up, and
/// the holds that resume by themselves. The SQL that finds due payouts is built from it.
/// </summary>
/// <remarks>
/// waiting → submitting (the gates let it go) · awaiting_account · held (a gate holds it) ·
/// rejected (an operator) · paid (its transfer seen on Stripe first).
/// awaiting_account and held → the same, and waiting (an account can receive, a dispute won,
/// an operator's release). submitting → paid · held (balance refused) · awaiting_account
/// (capability refused) · failed (refused, or retries ran out) · submitting (a retry).
/// failed → waiting (released) · rejected · paid (a transfer that existed after all).
/// paid → failed (its transfer reversed). rejected is final.
/// </remarks>
public static class PayoutLifecycle
{
    public static TransitionTable<string> Table { get; } = new("payout", new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [PayoutStates.Waiting] = [PayoutStates.Submitting, PayoutStates.AwaitingAccount, PayoutStates.Held, PayoutStates.Rejected, PayoutStates.Paid],
        [PayoutStates.AwaitingAccount] = [PayoutStates.Waiting, PayoutStates.Submitting, PayoutStates.AwaitingAccount, PayoutStates.Held, PayoutStates.Rejected, PayoutStates.Paid],
        [PayoutStates.Held] = [PayoutStates.Waiting, PayoutStates.Submitting, PayoutStates.AwaitingAccount, PayoutStates.Held, PayoutStates.Rejected, PayoutStates.Paid],
        [PayoutStates.Submitting] = [PayoutStates.Submitting, PayoutStates.Paid, PayoutStates.Held, PayoutStates.AwaitingAccount, PayoutStates.Failed],
        [PayoutStates.Failed] = [PayoutStates.Waiting, PayoutStates.Rejected, PayoutStates.Paid, PayoutStates.Failed],
        [PayoutStates.Paid] = [PayoutStates.Failed],
        [PayoutStates.Rejected] = [],
    }, s => s);

    /// <summary>Every state a payout can be in.</summary>
    public static IReadOnlyCollection<string> States => Table.States;

    /// <summary>States the transfer job looks at when they are due: not yet decided, or sent with the outcome unknown.</summary>
    public static IReadOnlyList<string> Dispatched { get; } = [PayoutStates.Waiting, PayoutStates.Submitting, PayoutStates.AwaitingAccount];

    /// <summary>Holds the transfer job looks at again when they are due; the others wait for an operator or a Stripe event.</summary>
    public static IReadOnlyList<string> SelfResumingHolds { get; } = [.. HoldKinds.All.Where(HoldKinds.ResumesByItself)];

    /// <summary>A payout in one of these states has money on its way or gone: it counts against the recipient's limits.</summary>
    public static IReadOnlyList<string> Sent { get; } = [PayoutStates.Submitting, PayoutStates.Paid];

    public static bool CanTransition(string from, string to) => Table.CanTransition(from, to);

    public static void AssertTransition(string payoutId, string from, string to) => Table.AssertTransition("payout " + payoutId, from, to);

    /// <summary>
    /// The SQL condition (over payout.payouts) of a payout the transfer job should look at now,
    /// with its parameters: <c>@now</c>, <c>@dispatched</c>, <c>@held</c>, <c>@resuming</c>.
    /// </summary>
    public const string DueCondition = """
        next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)
        AND (state = ANY(@dispatched) OR (state = @held AND hold_kind = ANY(@resuming)))
        """;

    public static object DueParameters(DateTimeOffset now) => new
    {
        now, dispatched = Dispatched.ToArray(), held = PayoutStates.Held, resuming = SelfResumingHolds.ToArray(),
    };
}

/// <summary>The refund lifecycle: waiting → submitting → refunded or failed; a submitting refund is sent again until resolved.</summary>
public static class RefundLifecycle
{
    public const string Waiting = "waiting";
    public const string Submitting = "submitting";
    public const string Refunded = "refunded";
    public const string Failed = "failed";

    public static TransitionTable<string> Table { get; } = new("refund", new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [Waiting] = [Submitting],
        [Submitting] = [Submitting, Refunded, Failed],
        [Refunded] = [],
        [Failed] = [],
    }, s => s);

    /// <summary>States the refund job picks up when due.</summary>
    public static IReadOnlyList<string> Dispatched { get; } = [Waiting, Submitting];

    public static bool CanTransition(string from, string to) => Table.CanTransition(from, to);

    public static void AssertTransition(string refundId, string from, string to) => Table.AssertTransition("refund " + refundId, from, to);
}
