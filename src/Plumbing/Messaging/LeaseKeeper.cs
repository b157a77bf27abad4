using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Keeps a round's claims while their calls run (<see cref="ClaimedCalls"/>): every third of the
/// lease it moves the lease of every row not yet recorded, in a transaction of its own. A call
/// can outlast any fixed lease (the client's retries, a slow Stripe, a round of a hundred calls
/// made one after another), and a row whose lease ran out would be claimed by another instance
/// and called for again while the first call is still in flight. A worker that dies stops
/// renewing, and its rows go to another instance one lease later. The first lease a keeper renews
/// holds from the end of its claim: <see cref="ClaimedCalls"/> stamps the claimed rows' leases
/// again as the claim's last statement, since a claim that waited on a lock longer than the lease
/// would otherwise commit a lease already run out, for any claim to take before the first renewal.
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
    /// Starts renewing the leases of <paramref name="ids"/> until each is <see cref="Done"/> or the keeper is disposed.
    /// </summary>
    public static LeaseKeeper Start(JobContext job, IEnumerable<string> ids, TimeSpan lease,
        Func<TransactionContext, IReadOnlyCollection<string>, DateTimeOffset, Task<int>> renew, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(renew);
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
                string[] ids;
                lock (_gate) ids = [.. _ids];
                if (ids.Length == 0) continue;
                await job.InTransactionAsync("renew leases", c => renew(c, ids, c.Clock.GetUtcNow() + lease),
                    _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database is unreachable for now: so it is for every other instance, which
                // cannot claim these rows either. The next renewal tries again.
                logger.LogWarning("Could not renew the leases of rows being sent: {Error}", e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
