using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Messaging;

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
