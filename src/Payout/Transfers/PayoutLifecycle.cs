using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Transfers;

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
/// paid → failed (its transfer reversed) · rejected (taken back: its entry fee lost, its transfer reversed).
/// submitting → quarantined (Stripe answered with a
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
        [PayoutState.Paid] = [PayoutState.Failed, PayoutState.Rejected],
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
    public static IReadOnlyList<PayoutHold> SelfResumingHolds { get; } =
        [.. Enum.GetValues<PayoutHold>().Where(ResumesByItself)];

    /// <summary>
    /// A payout in one of these states has money on its way or gone: it counts against the recipient's limits.
    /// </summary>
    public static IReadOnlyList<PayoutState> Sent { get; } =
        [PayoutState.Submitting, PayoutState.Paid, PayoutState.Quarantined];

    public static bool CanTransition(PayoutState from, PayoutState to) => Table.CanTransition(from, to);

    public static void AssertTransition(string payoutId, PayoutState from, PayoutState to) =>
        Table.AssertTransition("payout " + payoutId, from, to);

    /// <summary>
    /// The name as stored and published (<see cref="PayoutStatusNames"/>): waiting, awaiting_account ...
    /// </summary>
    public static string Name(PayoutState state) => Table.Name(state);

    public static PayoutState Parse(string payoutId, string? name) => Table.Parse("payout " + payoutId, name);

    /// <summary>Whether a hold ends by itself when it is due (<see cref="HoldKinds.ResumesByItself"/>).</summary>
    public static bool ResumesByItself(PayoutHold hold) => HoldKinds.ResumesByItself(HoldName(hold));

    /// <summary>
    /// The hold's name as stored and published (<see cref="HoldKinds"/>): review, limit, new_account ...
    /// </summary>
    public static string HoldName(PayoutHold hold) => hold switch
    {
        PayoutHold.Review => HoldKinds.Review,
        PayoutHold.Limit => HoldKinds.Limit,
        PayoutHold.NewAccount => HoldKinds.NewAccount,
        PayoutHold.Velocity => HoldKinds.Velocity,
        PayoutHold.Balance => HoldKinds.Balance,
        PayoutHold.Frozen => HoldKinds.Frozen,
        PayoutHold.Funds => HoldKinds.Funds,
        _ => throw new ArgumentOutOfRangeException(nameof(hold), hold, "not a payout hold"),
    };

    /// <summary>The name of a hold, or null for none (a payout that is not held).</summary>
    public static string? HoldName(PayoutHold? hold) => hold is { } h ? HoldName(h) : null;

    /// <summary>A stored hold kind, or null for none; a name no hold has is a bug.</summary>
    public static PayoutHold? ParseHold(string payoutId, string? name)
    {
        if (name is null) return null;
        foreach (var hold in Enum.GetValues<PayoutHold>())
            if (HoldName(hold) == name) return hold;
        throw new InvariantViolatedException($"payout {payoutId} has unknown hold kind '{name}'");
    }

    private static string WireName(PayoutState state) => state switch
    {
        PayoutState.Waiting => PayoutStatusNames.Waiting,
        PayoutState.AwaitingAccount => PayoutStatusNames.AwaitingAccount,
        PayoutState.Held => PayoutStatusNames.Held,
        PayoutState.Submitting => PayoutStatusNames.Submitting,
        PayoutState.Paid => PayoutStatusNames.Paid,
        PayoutState.Failed => PayoutStatusNames.Failed,
        PayoutState.Rejected => PayoutStatusNames.Rejected,
        PayoutState.Quarantined => PayoutStatusNames.Quarantined,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a payout state"),
    };
}
