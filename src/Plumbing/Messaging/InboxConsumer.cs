using Confluent.Kafka;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// The consume loop every worker runs. A batch of messages is applied in ONE database
/// transaction together with their inbox rows and the consumer's positions (where it resumes:
/// <see cref="PartitionPositions"/>); Kafka offsets are stored only after that commit, for lag alone.
/// A message already in the inbox is skipped, so redelivery and replay are no-ops; one dead-lettered
/// before is skipped too, unless an operator's re-drive grant comes with it (<see cref="RedriveGrant"/>).
///
/// Failures follow <see cref="ErrorPolicy"/>. If a batch fails it is rolled back and its
/// messages are applied one at a time, so each failure is the failing message's own: bad
/// input (no message id, unknown type, unreadable or invalid body) goes to
/// <c>&lt;topic&gt;.dlq</c> at once, through the outbox in the same transaction as its inbox
/// row, and the messages behind it flow on; an unavailable database or dependency is waited
/// out without counting against the message; a concurrency conflict is retried; a bug raises
/// a critical alert and stops the loop with the message uncommitted.
///
/// This type is the loop itself: it polls Kafka, follows the group's rebalances and stores
/// offsets. What becomes of a batch is <see cref="InboxBatch"/>'s, its transaction
/// <see cref="InboxTransaction"/>'s, its inbox rows <see cref="InboxStore"/>'s; partitions' state is
/// loaded by <see cref="PartitionLoader"/>; outages, stops and alerts are <see cref="ConsumerIncidents"/>'s,
/// counts, lag and spans <see cref="ConsumerTelemetry"/>'s.
/// </summary>
public sealed class InboxConsumer
{
    /// <summary>The alert's code for messages deleted before this consumer read them.</summary>
    public const string OffsetResetCode = "messages_deleted_unread";

    private readonly InboxConsumerOptions _options;
    private readonly ConsumerConfig _config;
    private readonly ILogger _logger;
    private readonly ConsumerTelemetry _telemetry;
    private readonly ConsumerIncidents _incidents;
    private readonly PartitionLoader _partitions;
    private readonly PartitionPositions _positions;
    private readonly InboxBatch _apply;
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _batch = [];
    private bool _joined;

    public InboxConsumer(
        NpgsqlDataSource dataSource, string bootstrapServers, IEnumerable<IMessageHandler> handlers,
        InboxConsumerOptions options, CrashPoints crashPoints, TimeProvider clock, ILogger logger)
    {
        var byType = handlers.ToDictionary(h => h.MessageType, StringComparer.Ordinal);
        _options = options;
        _config = KafkaClients.ConsumerConfig(bootstrapServers, options.Consumer, options.Security);
        _logger = logger;
        var outbox = new OutboxStore(options.Schema);
        var inbox = new InboxStore(options.Schema, options.Consumer);
        _telemetry = new ConsumerTelemetry(options.Consumer, Stats);
        _incidents = new ConsumerIncidents(dataSource, outbox, options, Stats, clock, logger);
        _partitions = new PartitionLoader(options.PartitionOwner, options.Consumer, _incidents, clock, logger);
        _positions = new PartitionPositions(dataSource, new ConsumerPositionStore(options.Schema, options.Consumer),
            options.Consumer, _incidents, clock, logger);
        var transaction = new InboxTransaction(
            dataSource, inbox, outbox, options.Consumer, crashPoints, _telemetry, _incidents, clock, logger);
        _apply = new InboxBatch(transaction, byType, options, Stats, _incidents, clock, logger);
    }

    public InboxConsumerStats Stats { get; } = new();

    /// <summary>The consumer's name: its group and its key in the inbox.</summary>
    public string Name => _options.Consumer;

    /// <summary>
    /// True once the group has given this consumer its partitions (none, when there are more members than partitions),
    /// until it leaves.
    /// </summary>
    public bool Joined => Volatile.Read(ref _joined);

    /// <summary>Consumes until cancelled, then finishes the batch in hand and leaves the group cleanly.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var consumer = Build();
        consumer.Subscribe(_options.Topics);
        using var lagGauge = _telemetry.ObserveLag();
        Action<IEnumerable<InboxItem>> storeOffsets = items => StoreOffsets(consumer, items);
        try
        {
            await Task.Yield();
            while (!ct.IsCancellationRequested)
            {
                _batch.Clear();
                var filled = Fill(consumer, ct);
                _telemetry.UpdateLag(consumer);
                if (_incidents.OffsetResetsPending) await _incidents.RaiseOffsetResetAlertsAsync();
                if (!await _positions.PlaceAsync(consumer, _batch, ct)) return;
                if (!await _partitions.LoadAsync(ct)) return;
                if (!filled || _batch.Count == 0) continue;
                await _apply.ApplyAsync([.. _batch], storeOffsets, ct);
            }
        }
        finally
        {
            Volatile.Write(ref _joined, false);
            Close(consumer);
            _logger.LogInformation(
                "Consumer {Consumer} stopped: received {Received}, applied {Applied}, duplicates skipped {Duplicates}, "
                + "dead-lettered {DeadLettered}, dead letters skipped {DeadLettersSkipped}",
                _options.Consumer, Stats.Received, Stats.Applied, Stats.Duplicates, Stats.DeadLettered,
                Stats.DeadLettersSkipped);
        }
    }

    /// <summary>
    /// The Kafka consumer, with the callbacks that follow the group's rebalances and librdkafka's errors.
    /// </summary>
    private IConsumer<byte[]?, byte[]?> Build() =>
        KafkaClients.ConsumerBuilder(_config, _logger, _incidents.ObserveLog)
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal)
                    _logger.LogCritical(
                        "Kafka consumer {Consumer} fatal error {Code}: {Reason}", _options.Consumer, e.Code, e.Reason);
                else
                    _logger.LogWarning(
                        "Kafka consumer {Consumer} error {Code}: {Reason}", _options.Consumer, e.Code, e.Reason);
            })
            .SetPartitionsAssignedHandler((kafka, parts) =>
            {
                // Each partition starts at the position stored with the worker's data, or before it: a client
                // that joins the group and commits cannot make this worker skip.
                var start = _positions.Assigned(kafka, parts);
                _partitions.Assigned(parts.Select(p => (p.Topic, p.Partition.Value)));
                Volatile.Write(ref _joined, true);
                _logger.LogInformation(
                    "Consumer {Consumer} assigned {Partitions}", _options.Consumer, string.Join(", ", start));
                return start;
            })
            .SetPartitionsRevokedHandler((_, parts) =>
            {
                // Messages of a partition that moved to another member are that member's now;
                // it resumes from the position stored with the data, so dropping them here loses nothing.
                var revoked = parts.Select(p => p.TopicPartition).ToHashSet();
                _batch.RemoveAll(r => revoked.Contains(r.TopicPartition));
                _telemetry.ForgetLag(revoked);
                _partitions.Revoked([.. revoked.Select(p => (p.Topic, p.Partition.Value))]);
                _positions.Revoked(revoked);
                _logger.LogInformation(
                    "Consumer {Consumer} revoked {Partitions}", _options.Consumer, string.Join(", ", parts));
            })
            .Build();

    /// <summary>
    /// Close commits the offsets stored so far and leaves the group at once, so the partitions
    /// move to another member without waiting for the session timeout. A broker that is away
    /// cannot take the commit: the offsets stay where they were, and the next member reads those
    /// messages again, which the inbox makes a no-op.
    /// </summary>
    private void Close(IConsumer<byte[]?, byte[]?> consumer)
    {
        try
        {
            consumer.Close();
        }
        catch (KafkaException e) when (!e.Error.IsFatal)
        {
            _logger.LogWarning("Consumer {Consumer} left its group without committing its last offsets: {Reason}",
                _options.Consumer, e.Error.Reason);
        }
    }

    /// <summary>
    /// Polls up to a batch: waits at most the poll timeout for the first message, then takes only
    /// what the client already holds.
    /// </summary>
    private bool Fill(IConsumer<byte[]?, byte[]?> consumer, CancellationToken ct)
    {
        var timeout = _options.PollTimeout;
        while (_batch.Count < _options.BatchSizeMax && !ct.IsCancellationRequested)
        {
            ConsumeResult<byte[]?, byte[]?>? result;
            try
            {
                result = consumer.Consume(timeout);
            }
            catch (KafkaException e) when (!e.Error.IsFatal)
            {
                // The broker away, a request that timed out: what was read so far is handled; the next poll tries
                // again.
                _logger.LogWarning(
                    "Consumer {Consumer} could not consume: {Reason}", _options.Consumer, e.Error.Reason);
                break;
            }
            if (result is null) break;
            if (result.IsPartitionEOF) continue;
            _batch.Add(result);
            timeout = TimeSpan.Zero;
        }
        return _batch.Count > 0;
    }

    /// <summary>
    /// Stores, per partition, the offset after the last message done: only after its commit, and never
    /// past a message still in hand.
    /// </summary>
    private void StoreOffsets(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<InboxItem> items)
    {
        var lastDone = items.Where(i => i.Done).GroupBy(i => i.Result.TopicPartition)
            .Select(g => g.MaxBy(i => i.Result.Offset.Value)!);
        foreach (var last in lastDone)
        {
            try
            {
                var next = new TopicPartitionOffset(last.Result.TopicPartition, last.Result.Offset + 1);
                consumer.StoreOffset(next);
                if (_positions.TakeRewound(next.TopicPartition)) consumer.Commit([next]);
            }
            catch (KafkaException e)
            {
                // The partition was revoked meanwhile; its new owner re-reads from the last
                // stored offset and the inbox makes that a no-op.
                _logger.LogInformation("Consumer {Consumer}: offset for {Partition} not stored: {Reason}",
                    _options.Consumer, last.Result.TopicPartition, e.Error.Reason);
            }
        }
    }
}
