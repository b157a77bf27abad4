using ContestPipeline.Payout.Gates;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Transfers;

/// <summary>A row of payout.payouts.</summary>
public sealed record PayoutRow
{
    public required string PayoutId { get; init; }
    public required string ContestId { get; init; }
    public required string EntryId { get; init; }
    public required string PlayerId { get; init; }
    public string? PaymentIntentId { get; init; }
    public required long AmountMinor { get; init; }
    public required string Currency { get; init; }
    public required PayoutState State { get; init; }
    /// <summary>Why it is held; null unless <see cref="State"/> is held.</summary>
    public PayoutHold? Hold { get; init; }
    public required string Reason { get; init; }
    public required int Version { get; init; }
    /// <summary>An operator released it at least once (what each release waived is in <see cref="Waived"/>).</summary>
    public bool Released { get; init; }
    /// <summary>What operators' releases waived: hold kinds and freezes (<see cref="Waivers"/>).</summary>
    public string[] Waived { get; init; } = [];
    public string? AttemptKey { get; init; }
    /// <summary>
    /// The key a transfer may have been sent under (marked just before its POST): when it is not
    /// <see cref="AttemptKey"/>, the payout was claimed and never sent under that key.
    /// </summary>
    public string? CalledKey { get; init; }

    /// <summary>
    /// A transfer may have been sent under its key: from then on only Stripe's answer to that key tells.
    /// </summary>
    public bool MaybeSent => AttemptKey is not null && CalledKey == AttemptKey;

    /// <summary>
    /// An operator's reject can apply: waiting, held, failed or awaiting an account as before, or
    /// submitting while claimed and not yet called for (<see cref="MaybeSent"/> false). Read under the
    /// payout's row lock, which the look just before each transfer takes too, so a reject applied
    /// here is never followed by that transfer, and a transfer called for is never rejected.
    /// </summary>
    public bool Rejectable => State switch
    {
        PayoutState.Waiting or PayoutState.Held or PayoutState.Failed or PayoutState.AwaitingAccount => true,
        PayoutState.Submitting => !MaybeSent,
        _ => false,
    };
    public int KeyGeneration { get; init; }
    public DateTimeOffset? SubmittedAt { get; init; }
    public int Rounds { get; init; }
    /// <summary>
    /// Times it was sent again under a fresh key after a refusal a later attempt can get past
    /// (<see cref="RefusalRetries"/>).
    /// </summary>
    public int RefusalRetries { get; init; }
    public required DateTimeOffset NextAttemptAt { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }
    public string? AccountId { get; init; }
    public string? TransferId { get; init; }
    public long ReversedMinor { get; init; }
    public required DateTimeOffset OrderedAt { get; init; }
    public DateTimeOffset? PaidAt { get; init; }
    /// <summary>The message id of the order: the cause of what Payout publishes about the payout.</summary>
    public string? OrderedBy { get; init; }

    /// <summary>How Dapper reads the stored state (its wire name) into <see cref="State"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0051",
        Justification = "Dapper sets it from the state column")]
    private string StoredState
    {
        init => State = PayoutLifecycle.Parse("(read)", value);
    }

    /// <summary>How Dapper reads the stored hold kind (its wire name) into <see cref="Hold"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0051",
        Justification = "Dapper sets it from the hold_kind column")]
    private string? HoldKind
    {
        init => Hold = PayoutLifecycle.ParseHold("(read)", value);
    }

    public Cause Cause => Cause.Recorded(ContestId, OrderedBy ?? PayoutId);
}
