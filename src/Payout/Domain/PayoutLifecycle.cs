using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Payout.Domain;

/// <summary>Where a payout stands. Stored and published by the wire names of <see cref="PayoutStates"/>.</summary>
public enum PayoutState
{
    /// <summary>Ordered, or resumed: checked against the gates at the next dispatch.</summary>
    Waiting,
    /// <summary>The winner has no connected account that can receive transfers yet.</summary>
    AwaitingAccount,
    /// <summary>Held by a gate (<see cref="HoldKinds"/>).</summary>
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

/// <summary>
/// The payout lifecycle: the one transition table, the states the transfer job picks up, and
/// the holds that resume by themselves.
/// </summary>
/// <remarks>
/// waiting → submitting (the gates let it go) · awaiting_account · held (a gate holds it) ·
/// rejected (an operator) · paid (its transfer seen on Stripe first).
/// awaiting_account and held → the same, and waiting (an account can receive, a dispute won,
/// an operator's release). submitting → paid · held (balance refused) · awaiting_account
/// (capability refused) · failed (refused, or retries ran out) · submitting (a retry) · rejected (an
/// operator, only while no transfer can have been sent under its key).
/// failed → waiting (released) · rejected · paid (a transfer that existed after all).
/// paid → failed (its transfer reversed). submitting → quarantined (Stripe answered with a
/// transfer for another amount, currency or destination). rejected and quarantined are final.
/// </remarks>
public static class PayoutLifecycle
{
    public static TransitionTable<PayoutState> Table { get; } = new("payout", new Dictionary<PayoutState, PayoutState[]>
    {
        [PayoutState.Waiting] =
            [PayoutState.Submitting, PayoutState.AwaitingAccount, PayoutState.Held,
                PayoutState.Rejected, PayoutState.Paid],
        [PayoutState.AwaitingAccount] = [PayoutState.Waiting, PayoutState.Submitting, PayoutState.AwaitingAccount,
            PayoutState.Held, PayoutState.Rejected, PayoutState.Paid],
        [PayoutState.Held] = [PayoutState.Waiting, PayoutState.Submitting,
            PayoutState.AwaitingAccount, PayoutState.Held, PayoutState.Rejected, PayoutState.Paid],
        [PayoutState.Submitting] =
            [PayoutState.Submitting, PayoutState.Paid, PayoutState.Held,
                PayoutState.AwaitingAccount, PayoutState.Failed, PayoutState.Rejected, PayoutState.Quarantined],
        [PayoutState.Failed] = [PayoutState.Waiting, PayoutState.Rejected, PayoutState.Paid, PayoutState.Failed],
        [PayoutState.Paid] = [PayoutState.Failed],
        [PayoutState.Rejected] = [],
        [PayoutState.Quarantined] = [],
    }, WireName);

    /// <summary>Every state a payout can be in.</summary>
    public static IReadOnlyCollection<PayoutState> States => Table.States;

    /// <summary>
    /// States the transfer job looks at when they are due: not yet decided, or sent with the outcome unknown.
    /// </summary>
    public static IReadOnlyList<PayoutState> Dispatched { get; } =
        [PayoutState.Waiting, PayoutState.Submitting, PayoutState.AwaitingAccount];

    /// <summary>
    /// Holds the transfer job looks at again when they are due; the others wait for an operator or a Stripe event.
    /// </summary>
    public static IReadOnlyList<string> SelfResumingHolds { get; } =
        [.. HoldKinds.All.Where(HoldKinds.ResumesByItself)];

    /// <summary>
    /// A payout in one of these states has money on its way or gone: it counts against the recipient's limits.
    /// </summary>
    public static IReadOnlyList<PayoutState> Sent { get; } =
        [PayoutState.Submitting, PayoutState.Paid, PayoutState.Quarantined];

    public static bool CanTransition(PayoutState from, PayoutState to) => Table.CanTransition(from, to);

    public static void AssertTransition(string payoutId, PayoutState from, PayoutState to) =>
        Table.AssertTransition("payout " + payoutId, from, to);

    /// <summary>The name as stored and published (<see cref="PayoutStates"/>): waiting, awaiting_account ...</summary>
    public static string Name(PayoutState state) => Table.Name(state);

    public static PayoutState Parse(string payoutId, string? name) => Table.Parse("payout " + payoutId, name);

    private static string WireName(PayoutState state) => state switch
    {
        PayoutState.Waiting => PayoutStates.Waiting,
        PayoutState.AwaitingAccount => PayoutStates.AwaitingAccount,
        PayoutState.Held => PayoutStates.Held,
        PayoutState.Submitting => PayoutStates.Submitting,
        PayoutState.Paid => PayoutStates.Paid,
        PayoutState.Failed => PayoutStates.Failed,
        PayoutState.Rejected => PayoutStates.Rejected,
        PayoutState.Quarantined => PayoutStates.Quarantined,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a payout state"),
    };
}

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

/// <summary>
/// The refund lifecycle: waiting → submitting → refunded or failed; a submitting refund is sent again until resolved.
/// </summary>
public static class RefundLifecycle
{
    public static TransitionTable<RefundState> Table { get; } = new("refund", new Dictionary<RefundState, RefundState[]>
    {
        [RefundState.Waiting] = [RefundState.Submitting],
        [RefundState.Submitting] = [RefundState.Submitting, RefundState.Refunded, RefundState.Failed],
        [RefundState.Refunded] = [],
        [RefundState.Failed] = [],
    }, s => s.ToString().ToLowerInvariant());

    /// <summary>States the refund job picks up when due.</summary>
    public static IReadOnlyList<RefundState> Dispatched { get; } = [RefundState.Waiting, RefundState.Submitting];

    public static bool CanTransition(RefundState from, RefundState to) => Table.CanTransition(from, to);

    public static void AssertTransition(string refundId, RefundState from, RefundState to) =>
        Table.AssertTransition("refund " + refundId, from, to);

    /// <summary>The name as stored: waiting, submitting, refunded, failed.</summary>
    public static string Name(RefundState state) => Table.Name(state);
}
