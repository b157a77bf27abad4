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
/// what a call needs (an idempotency key) is recorded before the call is made; each call happens
/// between transactions, never inside one; each outcome is recorded in a transaction of its own.
/// The claims are renewed while the round's calls run (<see cref="LeaseKeeper"/>), so another
/// instance never takes a row that is mid-call, and a process that dies lets its rows go one lease
/// later. A crash between claim and record leaves the row claimed as it was: the next claim after
/// its lease takes it up again and calls again (under the same key).
/// </summary>
public static class ClaimedCalls
{
    /// <summary>One round; returns how many rows were claimed (and called for).</summary>
    public static async Task<int> RunAsync<TClaim, TOutcome>(JobContext job, ClaimedCall<TClaim, TOutcome> call,
        CrashPoints crash, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(crash);
        var claimed = await job.InTransactionAsync("claim " + call.What, call.ClaimAsync, ct);
        if (claimed.Count == 0) return 0;
        await using var leases = await LeaseKeeper.StartAsync(job, [.. claimed.Select(call.IdOf)], call.Lease,
            call.RenewAsync, logger, ct);
        async ValueTask CallAndRecordAsync(TClaim row, CancellationToken token)
        {
            if (call.CrashAfterClaim is { } claimedPoint) crash.Reach(claimedPoint);
            var outcome = await call.CallAsync(row, token);
            if (call.CrashAfterCall is { } calledPoint) crash.Reach(calledPoint);
            await job.InTransactionAsync("record " + call.What, async context =>
            {
                await call.RecordAsync(context, row, outcome);
                return true;
            }, token);
            leases.Done(call.IdOf(row));
        }
        if (call.InFlight <= 1)
        {
            foreach (var row in claimed) await CallAndRecordAsync(row, ct);
        }
        else
        {
            // The first failure stops the round's other calls; rows not recorded keep their claim and key.
            var options = new ParallelOptions { MaxDegreeOfParallelism = call.InFlight, CancellationToken = ct };
            await Parallel.ForEachAsync(claimed, options, CallAndRecordAsync);
        }
        return claimed.Count;
    }
}
