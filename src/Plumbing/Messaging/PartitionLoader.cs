using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Tells a worker's <see cref="IPartitionOwner"/> which partitions this member of the group gained and
/// lost, so that no message of a gained partition is handled before its state is loaded. A partition
/// gained while the database is away is loaded by the loop once it is back (<see cref="LoadAsync"/>);
/// a bug in the owner stops the loop loudly. Without an owner there is nothing to load.
/// </summary>
internal sealed class PartitionLoader(IPartitionOwner? owner, string consumer, ConsumerIncidents incidents,
    TimeProvider clock, ILogger logger)
{
    /// <summary>Partitions assigned whose owner has not loaded them yet.</summary>
    private readonly HashSet<(string Topic, int Partition)> _unloaded = [];
    private Exception? _bug;
    private Exception? _outage;

    /// <summary>
    /// Called from the rebalance callback: never throws out of it (librdkafka would be left without the
    /// assignment). Partitions the owner could not load yet are loaded by the loop, waiting out an outage,
    /// before any of their messages is handled.
    /// </summary>
    public void Assigned(IEnumerable<(string Topic, int Partition)> partitions)
    {
        lock (_unloaded) _unloaded.UnionWith(partitions);
        TryLoad();
    }

    /// <summary>Called from the rebalance callback: the owner drops their state; a bug is kept for the loop.</summary>
    public void Revoked(IReadOnlyList<(string Topic, int Partition)> partitions)
    {
        lock (_unloaded) foreach (var p in partitions) _unloaded.Remove(p);
        try
        {
            owner?.Revoked(partitions);
        }
        catch (Exception e)
        {
            _bug ??= e;
        }
    }

    /// <summary>
    /// Asks the owner to load every partition not loaded yet; an outage leaves them for the loop, a bug stops it.
    /// </summary>
    private void TryLoad()
    {
        List<(string Topic, int Partition)> pending;
        lock (_unloaded) pending = [.. _unloaded];
        if (pending.Count == 0) return;
        if (owner is null)
        {
            lock (_unloaded) _unloaded.Clear();
            return;
        }
        try
        {
            owner.Assigned(pending);
            lock (_unloaded) _unloaded.ExceptWith(pending);
            _outage = null;
        }
        catch (Exception e) when (ErrorPolicy.IsTransient(e))
        {
            _outage = e;
            logger.LogWarning(
                "Consumer {Consumer}: partitions {Partitions} not loaded yet, the database is unavailable: {Error}",
                consumer, string.Join(", ", pending), e.Message);
        }
        catch (Exception e)
        {
            _bug ??= e;
        }
    }

    /// <summary>
    /// Loads the partitions assigned while the database was away, waiting the outage out, before
    /// any of their messages is handled; false when the loop is cancelled meanwhile. A bug in the
    /// owner stops the loop loudly.
    /// </summary>
    public async Task<bool> LoadAsync(CancellationToken ct)
    {
        var outageStarted = (DateTimeOffset?)null;
        while (true)
        {
            if (_bug is { } bug)
            {
                var message = $"consumer {consumer}: loading or dropping its partitions' state hit a bug: "
                    + $"{bug.GetType().Name}: {bug.Message}; the worker stopped. Fix the cause and restart it.";
                var dedupeKey = consumer + ":partitions:" + DeadLetters.Fingerprint(bug.Message);
                await incidents.RaiseStopAlertAsync(null, "partitions", dedupeKey, message, bug);
                throw new WorkerStoppedException(message, bug);
            }
            bool pending;
            lock (_unloaded) pending = _unloaded.Count > 0;
            if (!pending) return true;
            if (_outage is { } outage)
            {
                outageStarted ??= clock.GetUtcNow();
                await incidents.WaitOutOutageAsync(outage, outageStarted.Value, ct);
                if (ct.IsCancellationRequested) return false;
            }
            TryLoad();
        }
    }
}
