namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// One job's call to an outside service (Stripe) for rows of its own: how to claim them, call for
/// each, and record what came back. See <see cref="ClaimedCalls"/>.
/// </summary>
/// <typeparam name="TClaim">A claimed row, as the claim left it (its state, its idempotency key).</typeparam>
/// <typeparam name="TOutcome">What the call came back with, failures the job handles included.</typeparam>
public sealed record ClaimedCall<TClaim, TOutcome>
{
    /// <summary>What is called for, for the names of the transactions: "transfer", "refund".</summary>
    public required string What { get; init; }

    /// <summary>
    /// One transaction that claims due rows for <see cref="Lease"/> and records on each what its call
    /// needs (a submitting state, its idempotency key): it commits before any call is made.
    /// </summary>
    public required Func<TransactionContext, Task<IReadOnlyList<TClaim>>> ClaimAsync { get; init; }

    /// <summary>
    /// The claim of the next round, made (as <see cref="ClaimAsync"/> is) while this round's calls run, so that
    /// the calls never wait on a claim: a rate budget earns nothing back for the time a claim takes. Rounds follow
    /// one another in one run while it claims something. Null: one round a run, its claim before its calls. The
    /// next round's rows are claimed and leased like the first's; if this round fails, they keep their claim and
    /// key and are taken up again one lease later, as after a crash. What came since their claim (an emergency
    /// stop) is for <see cref="StillDueAsync"/> to find.
    /// </summary>
    public Func<TransactionContext, Task<IReadOnlyList<TClaim>>>? ClaimNextAsync { get; init; }

    /// <summary>
    /// Asked in a transaction of its own just before a row's call, which it may record as about to be made: false
    /// calls for none (what came since its claim, an emergency stop or a gate closed by an outside event, is
    /// recorded by it) and lets go of the row's claim here; the row's lease then runs out unless it recorded
    /// otherwise. Null: every claimed row is called for.
    /// </summary>
    public Func<TransactionContext, TClaim, Task<bool>>? StillDueAsync { get; init; }

    public required Func<TClaim, string> IdOf { get; init; }

    /// <summary>The call, between transactions. What it throws goes to the job runner's error policy.</summary>
    public required Func<TClaim, CancellationToken, Task<TOutcome>> CallAsync { get; init; }

    /// <summary>One transaction that records the outcome of one row's call and lets go of its claim.</summary>
    public required Func<TransactionContext, TClaim, TOutcome, Task> RecordAsync { get; init; }

    public required TimeSpan Lease { get; init; }

    /// <summary>
    /// How many of the round's calls may be in flight at once. Each row has its own key and its own
    /// record, so their order does not matter; several in flight keep a rate budget busy while
    /// earlier outcomes are being recorded (one at a time, a round waits on a commit between calls).
    /// </summary>
    public int InFlight { get; init; } = 1;

    /// <summary>
    /// Moves the claims of rows whose calls are not recorded yet to the given time (see
    /// <see cref="LeaseKeeper"/>); returns how many moved.
    /// </summary>
    public required Func<TransactionContext, IReadOnlyCollection<string>, DateTimeOffset, Task<int>> RenewAsync
    {
        get; init;
    }

    /// <summary>Where a test may stop the process: after the claim committed, before a row's call.</summary>
    public string? CrashAfterClaim { get; init; }

    /// <summary>
    /// Where a test may stop the process: after a row's call came back, before its outcome is recorded.
    /// </summary>
    public string? CrashAfterCall { get; init; }
}
