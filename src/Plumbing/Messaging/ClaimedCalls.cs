using Microsoft.Extensions.Logging;

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

/// <summary>
/// The skeleton of every job that calls an outside service for rows it owns: claim → lease →
/// call → record, written once. The claim is one transaction and commits before any call, so
/// what a call needs (an idempotency key) is recorded before the call is made; a job may look at
/// each row once more just before its call (<see cref="ClaimedCall{TClaim,TOutcome}.StillDueAsync"/>);
/// each call happens between transactions, never inside one; each outcome is recorded in a
/// transaction of its own.
/// The claims are renewed while the round's calls run (<see cref="LeaseKeeper"/>), so another
/// instance never takes a row that is mid-call, and a process that dies lets its rows go one lease
/// later. A crash between claim and record leaves the row claimed as it was: the next claim after
/// its lease takes it up again and calls again (under the same key).
/// </summary>
public static class ClaimedCalls
{
    /// <summary>
    /// One round, or with <see cref="ClaimedCall{TClaim,TOutcome}.ClaimNextAsync"/> rounds one after another, each
    /// claimed while the one before it calls; returns how many rows were claimed (and called for).
    /// </summary>
    public static async Task<int> RunAsync<TClaim, TOutcome>(JobContext job, ClaimedCall<TClaim, TOutcome> call,
        CrashPoints crash, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(crash);
        var round = await ClaimAsync(job, call, call.ClaimAsync, logger, ct);
        var total = 0;
        while (round is { } claimed)
        {
            total += claimed.Rows.Count;
            var next = call.ClaimNextAsync is { } claimNext ? ClaimAsync(job, call, claimNext, logger, ct) : null;
            try
            {
                await using (claimed.Leases) await CallAllAsync(job, call, claimed, crash, ct);
            }
            catch when (next is not null)
            {
                // The next round's rows stay claimed with their keys; without their keeper they go one lease later.
                if (await Quietly(next) is { } orphaned) await orphaned.Leases.DisposeAsync();
                throw;
            }
            round = next is null ? null : await next;
        }
        return total;
    }

    /// <summary>
    /// A claim that committed rows, with the keeper of their leases started; null when it claimed none.
    /// </summary>
    private static async Task<Round<TClaim>?> ClaimAsync<TClaim, TOutcome>(JobContext job,
        ClaimedCall<TClaim, TOutcome> call, Func<TransactionContext, Task<IReadOnlyList<TClaim>>> claim,
        ILogger logger, CancellationToken ct)
    {
        var rows = await job.InTransactionAsync("claim " + call.What, async context =>
        {
            var claimed = await claim(context);
            // The claim's last statement: its leases from now, not from a clock read before it waited on a lock.
            if (claimed.Count > 0)
                await call.RenewAsync(context, [.. claimed.Select(call.IdOf)], context.Clock.GetUtcNow() + call.Lease);
            return claimed;
        }, ct);
        return rows.Count == 0 ? null
            : new Round<TClaim>(rows,
                LeaseKeeper.Start(job, rows.Select(call.IdOf), call.Lease, call.RenewAsync, logger));
    }

    private static async Task<Round<TClaim>?> Quietly<TClaim>(Task<Round<TClaim>?> claim)
    {
        try
        {
            return await claim;
        }
        catch (Exception)
        {
            // The round's own failure is the one that is thrown; this claim's rolled back or left its rows leased.
            return null;
        }
    }

    private static async Task CallAllAsync<TClaim, TOutcome>(JobContext job, ClaimedCall<TClaim, TOutcome> call,
        Round<TClaim> round, CrashPoints crash, CancellationToken ct)
    {
        async ValueTask CallAndRecordAsync(TClaim row, CancellationToken token)
        {
            if (call.CrashAfterClaim is { } claimedPoint) crash.Reach(claimedPoint);
            if (call.StillDueAsync is { } stillDue
                && !await job.InTransactionAsync("vet " + call.What, context => stillDue(context, row), token))
            {
                round.Leases.Done(call.IdOf(row));
                return;
            }
            var outcome = await call.CallAsync(row, token);
            if (call.CrashAfterCall is { } calledPoint) crash.Reach(calledPoint);
            await job.InTransactionAsync("record " + call.What, async context =>
            {
                await call.RecordAsync(context, row, outcome);
                return true;
            }, token);
            round.Leases.Done(call.IdOf(row));
        }
        if (call.InFlight <= 1)
        {
            foreach (var row in round.Rows) await CallAndRecordAsync(row, ct);
        }
        else
        {
            // The first failure stops the round's other calls; rows not recorded keep their claim and key.
            var options = new ParallelOptions { MaxDegreeOfParallelism = call.InFlight, CancellationToken = ct };
            await Parallel.ForEachAsync(round.Rows, options, CallAndRecordAsync);
        }
    }

    private sealed record Round<TClaim>(IReadOnlyList<TClaim> Rows, LeaseKeeper Leases);
}
