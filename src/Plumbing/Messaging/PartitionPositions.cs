using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Where the consume loop starts in each partition the group gives it: the position stored in the worker's own
/// database (<see cref="ConsumerPositionStore"/>), never the group's committed offset, which any client that joins
/// the group can move; a partition without a stored position from its beginning (the inbox makes what was applied
/// a no-op). A partition assigned while the database is away starts at its beginning, and the loop seeks it to its
/// stored position, dropping what it read of it meanwhile, before any of its messages is handled.
/// </summary>
internal sealed class PartitionPositions(NpgsqlDataSource dataSource, ConsumerPositionStore store, string consumer,
    ConsumerIncidents incidents, TimeProvider clock, ILogger logger)
{
    /// <summary>Partitions assigned whose stored position is not known yet.</summary>
    private readonly HashSet<TopicPartition> _unplaced = [];
    /// <summary>Partitions started at their stored position below the group's committed offset.</summary>
    private readonly HashSet<TopicPartition> _rewound = [];
    private volatile Exception? _error;

    /// <summary>
    /// Called from the rebalance callback: never throws out of it. The offsets to start from: the stored positions,
    /// whatever the group has committed (only the worker lowers its positions, applying an operator's signed rewind:
    /// <see cref="ConsumerRewinds"/>).
    /// </summary>
    public List<TopicPartitionOffset> Assigned(IConsumer<byte[]?, byte[]?> kafka, List<TopicPartition> partitions)
    {
        if (TryLoad(partitions) is not { } placed)
            return [.. partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning))];
        List<TopicPartitionOffset> committed;
        try
        {
            committed = kafka.Committed(partitions, TimeSpan.FromSeconds(10));
        }
        catch (KafkaException)
        {
            return placed;
        }
        // The committed offset moves no start, either way: it is read only to see which partitions start below it
        // (rewound), whose first new offset is committed explicitly so that the group's lag tells the truth.
        lock (_rewound)
        {
            _rewound.ExceptWith(partitions);
            _rewound.UnionWith(placed.Where(p => p.Offset != Offset.Beginning
                    && committed.FirstOrDefault(c => c.TopicPartition == p.TopicPartition) is { } c
                    && c.Offset.Value > p.Offset.Value)
                .Select(p => p.TopicPartition));
        }
        return placed;
    }

    /// <summary>
    /// True once for a partition started below the group's committed offset (its position was rewound): the client
    /// still remembers the offset it committed itself before, and does not commit an offset up to that again on its
    /// own, so the loop commits the first one it stores explicitly (else the group's lag stays where it was put).
    /// </summary>
    public bool TakeRewound(TopicPartition partition)
    {
        lock (_rewound) return _rewound.Remove(partition);
    }

    /// <summary>
    /// The stored positions of <paramref name="partitions"/>, or null (kept for the loop) if unreadable.
    /// </summary>
    private List<TopicPartitionOffset>? TryLoad(List<TopicPartition> partitions)
    {
        try
        {
            var stored = store.Load(dataSource, [.. partitions.Select(p => (p.Topic, p.Partition.Value))]);
            lock (_unplaced) _unplaced.ExceptWith(partitions);
            _error = null;
            return [.. partitions.Select(p => new TopicPartitionOffset(p,
                stored.TryGetValue((p.Topic, p.Partition.Value), out var next)
                    ? new Offset(next) : Offset.Beginning))];
        }
        catch (Exception e)
        {
            lock (_unplaced) _unplaced.UnionWith(partitions);
            _error = e;
            logger.LogWarning("Consumer {Consumer}: positions of {Partitions} not read yet ({Error}); "
                + "none of their messages is handled before they are", consumer, string.Join(", ", partitions),
                e.Message);
            return null;
        }
    }

    /// <summary>Called from the rebalance callback: a partition that left needs no position.</summary>
    public void Revoked(IEnumerable<TopicPartition> partitions)
    {
        lock (_unplaced) _unplaced.ExceptWith(partitions);
        lock (_rewound) _rewound.ExceptWith(partitions);
    }

    /// <summary>
    /// Seeks every partition whose position was not read at assignment to its stored one, after dropping what was
    /// read of it from <paramref name="batch"/>, waiting out a database outage; false when cancelled meanwhile. A
    /// failure that is no outage stops the loop.
    /// </summary>
    public async Task<bool> PlaceAsync(IConsumer<byte[]?, byte[]?> kafka, List<ConsumeResult<byte[]?, byte[]?>> batch,
        CancellationToken ct)
    {
        var outageStarted = (DateTimeOffset?)null;
        while (!ct.IsCancellationRequested)
        {
            List<TopicPartition> pending;
            lock (_unplaced) pending = [.. _unplaced];
            if (pending.Count == 0) return true;
            var set = pending.ToHashSet();
            batch.RemoveAll(r => set.Contains(r.TopicPartition));
            if (TryLoad(pending) is { } placed)
            {
                foreach (var p in placed) Seek(kafka, p);
                continue;
            }
            var error = _error!;
            if (!ErrorPolicy.IsTransient(error))
            {
                var message = $"consumer {consumer}: its positions could not be read: {error.GetType().Name}: "
                    + $"{error.Message}; the worker stopped. Fix the cause and restart it.";
                await incidents.RaiseStopAlertAsync(null, "positions",
                    consumer + ":positions:" + DeadLetters.Fingerprint(error.Message), message, error);
                throw new WorkerStoppedException(message, error);
            }
            outageStarted ??= clock.GetUtcNow();
            await incidents.WaitOutOutageAsync(error, outageStarted.Value, ct);
        }
        return false;
    }

    /// <summary>Seeks one partition; one that left meanwhile is its new owner's to place.</summary>
    public void Seek(IConsumer<byte[]?, byte[]?> kafka, TopicPartitionOffset position)
    {
        try
        {
            kafka.Seek(position);
            logger.LogInformation("Consumer {Consumer}: {Partition} placed at {Offset}", consumer,
                position.TopicPartition, position.Offset);
        }
        catch (KafkaException e)
        {
            logger.LogInformation("Consumer {Consumer}: {Partition} not placed: {Reason}", consumer,
                position.TopicPartition, e.Error.Reason);
        }
    }

}
