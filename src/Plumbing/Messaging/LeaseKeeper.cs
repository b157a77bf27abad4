using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Keeps a round's claims while their calls run (<see cref="ClaimedCalls"/>): every third of the
/// lease it moves the lease of every row not yet recorded, in a transaction of its own. A call
/// can outlast any fixed lease (the client's retries, a slow Stripe, a round of a hundred calls
/// made one after another), and a row whose lease ran out would be claimed by another instance
/// and called for again while the first call is still in flight. A worker that dies stops
/// renewing, and its rows go to another instance one lease later.
/// <para>
/// The first renewal is made as soon as the claim has committed, before any call: a claim stamps
/// its lease from a clock read inside its transaction, and a claim that waited on a lock (or a
/// commit that waited on a busy machine) for longer than the lease commits a lease that has
/// already run out, which the next claim (this instance's or another's) would take again.
/// <see cref="ClaimedCalls"/> also stamps the leases again as the claim's last statement, so only
/// the commit itself is left between a claim and a lease that holds.
/// </para>
/// </summary>
public sealed class LeaseKeeper : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _ids;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private LeaseKeeper(JobContext job, IEnumerable<string> ids, TimeSpan lease,
        Func<TransactionContext, IReadOnlyCollection<string>, DateTimeOffset, Task<int>> renew, ILogger logger)
    {
        _ids = new HashSet<string>(ids, StringComparer.Ordinal);
        _loop = Task.Run(() => RenewAsync(job, lease, renew, logger));
    }

    /// <summary>
    /// Renews the leases of <paramref name="ids"/> once, now, then keeps renewing them until each is
    /// <see cref="Done"/> or the keeper is disposed.
    /// </summary>
    public static async Task<LeaseKeeper> StartAsync(JobContext job, IReadOnlyCollection<string> ids, TimeSpan lease,
        Func<TransactionContext, IReadOnlyCollection<string>, DateTimeOffset, Task<int>> renew, ILogger logger,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(renew);
        await RenewOnceAsync(job, ids, lease, renew, logger, ct);
        return new LeaseKeeper(job, ids, lease, renew, logger);
    }

    /// <summary>The row's call is over and its outcome recorded: its lease is no longer this keeper's.</summary>
    public void Done(string id)
    {
        lock (_gate) _ids.Remove(id);
    }

    private async Task RenewAsync(JobContext job, TimeSpan lease,
        Func<TransactionContext, IReadOnlyCollection<string>, DateTimeOffset, Task<int>> renew, ILogger logger)
    {
        var every = lease / 3;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, job.Clock, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            string[] ids;
            lock (_gate) ids = [.. _ids];
            if (ids.Length > 0) await RenewOnceAsync(job, ids, lease, renew, logger, _stop.Token);
        }
    }

    private static async Task RenewOnceAsync(JobContext job, IReadOnlyCollection<string> ids, TimeSpan lease,
        Func<TransactionContext, IReadOnlyCollection<string>, DateTimeOffset, Task<int>> renew, ILogger logger,
        CancellationToken ct)
    {
        try
        {
            await job.InTransactionAsync("renew leases", c => renew(c, ids, c.Clock.GetUtcNow() + lease), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the rows keep the lease they have, and go to another instance when it runs out.
        }
        catch (Exception e)
        {
            // The database is unreachable for now: so it is for every other instance, which
            // cannot claim these rows either. The next renewal tries again.
            logger.LogWarning("Could not renew the leases of rows being sent: {Error}", e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
