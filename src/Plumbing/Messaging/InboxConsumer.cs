using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// The consume loop every worker runs. A batch of messages is applied in ONE database
/// transaction together with their inbox rows; offsets are stored only after that commit.
/// A message already in the inbox is skipped, so redelivery and replay are no-ops.
///
/// Failures follow <see cref="ErrorPolicy"/>. If a batch fails it is rolled back and its
/// messages are applied one at a time, so each failure is the failing message's own: bad
/// input (no message id, unknown type, unreadable or invalid body) goes to
/// <c>&lt;topic&gt;.dlq</c> at once, through the outbox in the same transaction as its inbox
/// row, and the messages behind it flow on; an unavailable database or dependency is waited
/// out without counting against the message; a concurrency conflict is retried; a bug raises
/// a critical alert and stops the loop with the message uncommitted.
/// </summary>
public sealed class InboxConsumer
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly IReadOnlyDictionary<string, IMessageHandler> _handlers;
    private readonly InboxConsumerOptions _options;
    private readonly ConsumerConfig _config;
    private readonly Outbox _outbox;
    private readonly CrashPoints _crashPoints;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly string _inbox;
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _batch = [];

    public InboxConsumer(
        NpgsqlDataSource dataSource, string bootstrapServers, IEnumerable<IMessageHandler> handlers,
        InboxConsumerOptions options, CrashPoints crashPoints, TimeProvider clock, ILogger logger)
    {
        _dataSource = dataSource;
        _handlers = handlers.ToDictionary(h => h.MessageType, StringComparer.Ordinal);
        _options = options;
        _config = KafkaClients.ConsumerConfig(bootstrapServers, options.Consumer, options.Security);
        _outbox = new Outbox(options.Schema);
        _crashPoints = crashPoints;
        _clock = clock;
        _logger = logger;
        _inbox = SqlNames.Identifier(options.Schema) + ".inbox";
    }

    public InboxConsumerStats Stats { get; } = new();

    /// <summary>The consumer's name: its group and its key in the inbox.</summary>
    public string Name => _options.Consumer;

    /// <summary>
    /// True once the group has given this consumer its partitions (none, when there are more members than partitions),
    /// until it leaves.
    /// </summary>
    public bool Joined => Volatile.Read(ref _joined);

    private bool _joined;
    private readonly ConcurrentQueue<string> _offsetResets = new();
    private readonly Dictionary<(string Topic, int Partition), long> _lag = [];
    private long _lagUpdatedAt;

    /// <summary>Consumes until cancelled, then finishes the batch in hand and leaves the group cleanly.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var consumer = KafkaClients.ConsumerBuilder(_config, _logger, ObserveLog)
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal)
                    _logger.LogCritical(
                        "Kafka consumer {Consumer} fatal error {Code}: {Reason}", _options.Consumer, e.Code, e.Reason);
                else
                    _logger.LogWarning(
                        "Kafka consumer {Consumer} error {Code}: {Reason}", _options.Consumer, e.Code, e.Reason);
            })
            .SetPartitionsAssignedHandler((_, parts) =>
            {
                // Never thrown out of the callback: librdkafka would be left without the
                // assignment. Partitions the owner could not load yet are loaded by the loop,
                // waiting out an outage, before any of their messages is handled.
                lock (_unloaded) _unloaded.UnionWith(parts.Select(p => (p.Topic, p.Partition.Value)));
                TryLoadPartitions();
                Volatile.Write(ref _joined, true);
                _logger.LogInformation(
                    "Consumer {Consumer} assigned {Partitions}", _options.Consumer, string.Join(", ", parts));
            })
            .SetPartitionsRevokedHandler((_, parts) =>
            {
                // Messages of a partition that moved to another member are that member's now;
                // it resumes from the last stored offset, so dropping them here loses nothing.
                var revoked = parts.Select(p => p.TopicPartition).ToHashSet();
                _batch.RemoveAll(r => revoked.Contains(r.TopicPartition));
                lock (_lag) foreach (var p in revoked) _lag.Remove((p.Topic, p.Partition.Value));
                lock (_unloaded) foreach (var p in revoked) _unloaded.Remove((p.Topic, p.Partition.Value));
                try
                {
                    _options.PartitionOwner?.Revoked([.. revoked.Select(p => (p.Topic, p.Partition.Value))]);
                }
                catch (Exception e)
                {
                    _partitionOwnerBug ??= e;
                }
                _logger.LogInformation(
                    "Consumer {Consumer} revoked {Partitions}", _options.Consumer, string.Join(", ", parts));
            })
            .Build();
        consumer.Subscribe(_options.Topics);
        using var lagGauge = PipelineTelemetry.ObserveLag(LagMeasurements);
        try
        {
            await Task.Yield();
            while (!ct.IsCancellationRequested)
            {
                _batch.Clear();
                var filled = Fill(consumer, ct);
                UpdateLag(consumer);
                if (!_offsetResets.IsEmpty) await RaiseOffsetResetAlertsAsync();
                if (!await LoadPartitionsAsync(ct)) return;
                if (!filled || _batch.Count == 0) continue;
                await ProcessBatchAsync(consumer, [.. _batch], ct);
            }
        }
        finally
        {
            Volatile.Write(ref _joined, false);
            Close(consumer);
            _logger.LogInformation(
                "Consumer {Consumer} stopped: received {Received}, applied {Applied}, duplicates skipped {Duplicates}, "
                + "dead-lettered {DeadLettered}",
                _options.Consumer, Stats.Received, Stats.Applied, Stats.Duplicates, Stats.DeadLettered);
        }
    }

    /// <summary>
    /// Each assigned partition's lag from what the client already knows (the high watermark of
    /// its last fetch, its position): no request to the broker, and at most once a second.
    /// </summary>
    private void UpdateLag(IConsumer<byte[]?, byte[]?> consumer)
    {
        var now = Environment.TickCount64;
        if (now - _lagUpdatedAt < 1_000) return;
        _lagUpdatedAt = now;
        List<TopicPartition> assigned;
        try
        {
            assigned = consumer.Assignment;
        }
        catch (KafkaException)
        {
            return;
        }
        lock (_lag)
        {
            _lag.Clear();
            foreach (var tp in assigned)
            {
                var high = consumer.GetWatermarkOffsets(tp).High;
                var position = consumer.Position(tp);
                if (high == Offset.Unset) continue;
                _lag[(tp.Topic, tp.Partition.Value)] =
                    Math.Max(0, high.Value - (position == Offset.Unset ? 0 : position.Value));
            }
        }
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> LagMeasurements()
    {
        lock (_lag)
            return [.. _lag.Select(l => new System.Diagnostics.Metrics.Measurement<long>(l.Value,
                new KeyValuePair<string, object?>("consumer", _options.Consumer),
                new KeyValuePair<string, object?>("topic", l.Key.Topic),
                new KeyValuePair<string, object?>("partition", l.Key.Partition)))];
    }

    private void Count(string outcome, long n)
    {
        if (n > 0)
            PipelineTelemetry.ConsumerMessages.Add(n,
                new KeyValuePair<string, object?>("consumer", _options.Consumer),
                new KeyValuePair<string, object?>("outcome", outcome));
    }

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

    /// <summary>Partitions assigned whose owner has not loaded them yet (<see cref="IPartitionOwner"/>).</summary>
    private readonly HashSet<(string Topic, int Partition)> _unloaded = [];
    private Exception? _partitionOwnerBug;
    private Exception? _partitionOwnerOutage;

    /// <summary>
    /// Asks the owner to load every partition not loaded yet; an outage leaves them for the loop, a bug stops it.
    /// </summary>
    private void TryLoadPartitions()
    {
        List<(string Topic, int Partition)> pending;
        lock (_unloaded) pending = [.. _unloaded];
        if (pending.Count == 0) return;
        if (_options.PartitionOwner is not { } owner)
        {
            lock (_unloaded) _unloaded.Clear();
            return;
        }
        try
        {
            owner.Assigned(pending);
            lock (_unloaded) _unloaded.ExceptWith(pending);
            _partitionOwnerOutage = null;
        }
        catch (Exception e) when (ErrorPolicy.IsTransient(e))
        {
            _partitionOwnerOutage = e;
            _logger.LogWarning(
                "Consumer {Consumer}: partitions {Partitions} not loaded yet, the database is unavailable: {Error}",
                _options.Consumer, string.Join(", ", pending), e.Message);
        }
        catch (Exception e)
        {
            _partitionOwnerBug ??= e;
        }
    }

    /// <summary>
    /// Loads the partitions assigned while the database was away, waiting the outage out, before
    /// any of their messages is handled; false when the loop is cancelled meanwhile. A bug in the
    /// owner stops the loop loudly.
    /// </summary>
    private async Task<bool> LoadPartitionsAsync(CancellationToken ct)
    {
        var outageStarted = (DateTimeOffset?)null;
        while (true)
        {
            if (_partitionOwnerBug is { } bug)
            {
                var message = $"consumer {_options.Consumer}: loading or dropping its partitions' state hit a bug: "
                    + $"{bug.GetType().Name}: {bug.Message}; the worker stopped. Fix the cause and restart it.";
                var dedupeKey = _options.Consumer + ":partitions:" + DeadLetters.Fingerprint(bug.Message);
                await RaiseStopAlertAsync(null, "partitions", dedupeKey, message, bug);
                throw new WorkerStoppedException(message, bug);
            }
            bool pending;
            lock (_unloaded) pending = _unloaded.Count > 0;
            if (!pending) return true;
            if (_partitionOwnerOutage is { } outage)
            {
                outageStarted ??= _clock.GetUtcNow();
                await WaitOutOutageAsync(outage, outageStarted.Value, ct);
                if (ct.IsCancellationRequested) return false;
            }
            TryLoadPartitions();
        }
    }

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

    private async Task ProcessBatchAsync(
        IConsumer<byte[]?, byte[]?> consumer, List<ConsumeResult<byte[]?, byte[]?>> results, CancellationToken ct)
    {
        if (_options.BatchDelay > TimeSpan.Zero) await DelayAsync(_options.BatchDelay, ct);
        if (ct.IsCancellationRequested) return;
        var items = results.Select(Classify).ToList();
        Stats.AddReceived(items.Count);
        Item? failed = null;
        Exception? failedError = null;
        if (items.Count > 1)
        {
            var outageStarted = (DateTimeOffset?)null;
            while (true)
            {
                try
                {
                    await ApplyAsync(items, ct);
                    StoreOffsets(consumer, items);
                    return;
                }
                catch (Exception e) when (ErrorPolicy.IsTransient(e))
                {
                    outageStarted ??= _clock.GetUtcNow();
                    await WaitOutOutageAsync(e, outageStarted.Value, ct);
                    if (ct.IsCancellationRequested) return;
                }
                catch (Exception e) when (ShuttingDown(e, ct))
                {
                    return;
                }
                catch (Exception e) when (e is not (SimulatedCrashException or WorkerStoppedException))
                {
                    // Which message failed is only sure when the batch is applied one at a
                    // time; that pass meets a bug again and stops there, after the messages
                    // before it.
                    failed = (e as HandlerFailedException)?.Item;
                    failedError = e.InnerException ?? e;
                    _logger.LogInformation(
                        "Consumer {Consumer}: batch of {Count} rolled back ({Error}); applying one at a time",
                        _options.Consumer, items.Count, (e.InnerException ?? e).Message);
                    break;
                }
            }
        }
        foreach (var item in items)
        {
            // A rejection found in the batch needs no second try.
            await ApplyOneAsync(item, ReferenceEquals(item, failed) ? failedError : null, ct);
            if (!item.Done) return;
            StoreOffsets(consumer, [item]);
        }
    }

    /// <summary>Applies messages in one transaction with their inbox rows. Throws if any handler fails.</summary>
    private async Task ApplyAsync(IReadOnlyList<Item> items, CancellationToken ct)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(CancellationToken.None);
        try
        {
            await ApplyOnAsync(conn, items, ct);
        }
        catch (Exception e) when (ErrorPolicy.ConnectionLost(conn, e))
        {
            // Postgres went away under the batch: nothing committed, and the failure is the outage's.
            throw new DatabaseConnectionLostException(e is HandlerFailedException ? e.InnerException! : e);
        }
    }

    private async Task ApplyOnAsync(NpgsqlConnection conn, IReadOnlyList<Item> items, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(CancellationToken.None);
        var context = new HandlerContext(conn, tx, _clock);
        var (toApply, rejected) = await ClaimFreshAsync(conn, tx, context, items);
        // Consecutive messages for the same batch-capable handler are applied in one call;
        // the order of messages, and so per-key order, is kept.
        for (var start = 0; start < toApply.Count;)
        {
            var handler = toApply[start].Handler!;
            var end = start + 1;
            if (handler is IBatchMessageHandler)
                while (end < toApply.Count && ReferenceEquals(toApply[end].Handler, handler)) end++;
            await ApplyRunAsync(handler, toApply, start, end, context, ct);
            start = end;
        }
        var applied = toApply.Count;
        (context.Incoming, context.Cause) = (null, null);
        await _outbox.AddAsync(conn, tx, context.Outgoing, CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        await RunCommittedAsync(context, items);
        CountOutcomes(applied, rejected, duplicates: items.Count - applied - rejected);
        _crashPoints.Reach(CrashPoints.ConsumerAfterCommit);
        foreach (var item in items) item.Done = true;
    }

    /// <summary>
    /// Claims the inbox rows of the batch: what was seen before is skipped as a duplicate, a
    /// message refused on reading is dead-lettered here, and the rest is returned to apply, in order.
    /// </summary>
    private async Task<(List<Item> ToApply, int Rejected)> ClaimFreshAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, HandlerContext context, IReadOnlyList<Item> items)
    {
        var fresh = await ClaimAsync(conn, tx, items);
        var toApply = new List<Item>(items.Count);
        var rejected = 0;
        foreach (var item in items)
        {
            if (!fresh.Remove(item.InboxId)) continue;
            if (item.Rejection is null)
            {
                toApply.Add(item);
                continue;
            }
            AddDeadLetter(context, item, item.Rejection, item.RejectionSeverity, attempts: 0, code: item.AlertCode);
            rejected++;
        }
        return (toApply, rejected);
    }

    /// <summary>
    /// Applies toApply[start..end], all for one handler: in one batch call, or one message with its log scope.
    /// </summary>
    private async Task ApplyRunAsync(IMessageHandler handler, List<Item> toApply, int start, int end,
        HandlerContext context, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var spans = StartSpans(toApply, start, end);
        try
        {
            if (end - start > 1)
            {
                (context.Incoming, context.Cause) = (null, null);
                await ((IBatchMessageHandler)handler).HandleBatchAsync(
                    [.. toApply[start..end].Select(i => i.Message!)], context, ct);
            }
            else
            {
                var message = toApply[start].Message!;
                (context.Incoming, context.Cause) = (message, Cause.Of(message.Envelope));
                // Every line logged while the message is handled carries where it came from.
                using var scope = _logger.BeginScope(MessageScope(toApply[start]));
                await handler.HandleAsync(message, context, ct);
            }
            EndSpans(spans, null);
        }
        catch (Exception e)
            when (e is not SimulatedCrashException && ErrorPolicy.Classify(e) is not FailureKind.Transient)
        {
            EndSpans(spans, e);
            // A failed run cannot say which message failed; the one-at-a-time pass will.
            throw new HandlerFailedException(end - start == 1 ? toApply[start] : null, e);
        }
        catch (Exception e)
        {
            EndSpans(spans, e);
            throw;
        }
        finally
        {
            PipelineTelemetry.HandlerDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("consumer", _options.Consumer),
                new KeyValuePair<string, object?>("message_type", handler.MessageType));
        }
    }

    private void CountOutcomes(int applied, int rejected, int duplicates)
    {
        Stats.AddApplied(applied);
        Stats.AddDeadLettered(rejected);
        Stats.AddDuplicates(duplicates);
        Count("applied", applied);
        Count("dead_lettered", rejected);
        Count("duplicate", duplicates);
    }

    /// <summary>
    /// Applies one message by the error policy: done, dead-lettered (rejected), waited out
    /// (transient), retried (conflict), or the loop stops (bug).
    /// </summary>
    private async Task ApplyOneAsync(Item item, Exception? earlierError, CancellationToken ct)
    {
        if (earlierError is MessageRejectedException rejectedInBatch)
        {
            await DeadLetterAsync(item, rejectedInBatch.Reason, rejectedInBatch.Severity, ct);
            return;
        }
        var conflicts = 0;
        var outageStarted = (DateTimeOffset?)null;
        while (!ct.IsCancellationRequested)
        {
            Exception error;
            try
            {
                await ApplyAsync([item], ct);
                return;
            }
            catch (Exception e) when (ShuttingDown(e, ct))
            {
                return;
            }
            catch (Exception e) when (e is not (SimulatedCrashException or WorkerStoppedException))
            {
                error = e is HandlerFailedException ? e.InnerException! : e;
            }
            switch (ErrorPolicy.Classify(error))
            {
                case FailureKind.Rejected:
                    var rejected = (MessageRejectedException)error;
                    await DeadLetterAsync(item, rejected.Reason, rejected.Severity, ct);
                    return;
                case FailureKind.Transient:
                    outageStarted ??= _clock.GetUtcNow();
                    await WaitOutOutageAsync(error, outageStarted.Value, ct);
                    continue;
                case FailureKind.Conflict when ++conflicts <= _options.ConflictRetriesMax:
                    _logger.LogInformation(
                        "Consumer {Consumer}: {Type} {MessageId} at {Where} conflicted with another transaction "
                        + "(retry {Retry} of {RetriesMax}): {Error}",
                        _options.Consumer, item.Message?.Envelope.Type, item.InboxId, item.Where, conflicts,
                        _options.ConflictRetriesMax, error.Message);
                    await DelayAsync(
                        Backoff.Exponential(conflicts, _options.ConflictBackoffMs, _options.ConflictBackoffMsMax), ct);
                    continue;
                default:
                    await StopOnBugAsync(item, error, conflicts);
                    return;
            }
        }
    }

    /// <summary>
    /// A bug: a critical alert (one per message however often the worker restarts into it),
    /// then the loop stops with the message neither applied nor committed. It is applied once
    /// the bug is fixed and the worker restarted, never dead-lettered.
    /// </summary>
    private async Task StopOnBugAsync(Item item, Exception error, int conflicts)
    {
        var what = conflicts > _options.ConflictRetriesMax
            ? $"kept conflicting with other transactions after {_options.ConflictRetriesMax} retries"
            : "hit a bug";
        var message = $"{item.Message?.Envelope.Type ?? "message"} {item.InboxId} at {item.Where} {what}: "
            + $"{error.GetType().Name}: {error.Message}; consumer {_options.Consumer} stopped with it uncommitted. "
            + "Fix the cause and restart the worker; the message is applied then.";
        await RaiseStopAlertAsync(item, message, error);
        throw new WorkerStoppedException(message, error);
    }

    /// <summary>
    /// One critical alert per message the loop stopped on, however often the worker restarts into it.
    /// </summary>
    private Task RaiseStopAlertAsync(Item item, string message, Exception error) =>
        RaiseStopAlertAsync(item.Message, item.Where, item.InboxId, message, error);

    private async Task RaiseStopAlertAsync(IncomingMessage? cause, string subject, string dedupeKey, string message,
        Exception error)
    {
        _logger.LogCritical(error, "Consumer {Consumer}: {Message}", _options.Consumer, message);
        try
        {
            await UnitOfWork.RunAsync(_dataSource, _outbox, _clock, "bug alert", context =>
            {
                context.Cause = cause is null ? null : Cause.Of(cause.Envelope);
                context.RaiseAlert(
                    _options.Consumer, AlertSeverities.Critical, "worker_stopped_on_bug", subject, message, dedupeKey);
                return Task.FromResult(true);
            }, CancellationToken.None);
        }
        catch (Exception alertError)
        {
            _logger.LogCritical(
                alertError, "Consumer {Consumer}: the alert could not be written either", _options.Consumer);
        }
    }

    /// <summary>
    /// A partition whose next offset the broker no longer holds (deleted by retention, or by a size limit, before this
    /// consumer read it): librdkafka moves to the oldest offset it does hold, so the messages in between are never
    /// applied here. Never silent: one critical alert per reset, naming the topic, the partition and the offset, raised
    /// as soon as the loop sees it; an alert that cannot be written yet is tried again on the next round.
    /// </summary>
    private async Task RaiseOffsetResetAlertsAsync()
    {
        while (_offsetResets.TryPeek(out var line))
        {
            _logger.LogCritical("Consumer {Consumer}: messages deleted before they were read: {Line}",
                _options.Consumer, line);
            var message = $"{line}. The broker no longer held the messages from that offset when consumer "
                + $"{_options.Consumer} came to read them: they were never applied here. Treat as an incident: "
                + "the producing worker's outbox keeps them for a week, and cpctl outbox republish --worker W "
                + "--from-time T --reason R (W the producer, T before they were written) has it publish them again; "
                + "the inbox makes anything already applied a no-op.";
            var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(line)), 0, 8);
            try
            {
                await UnitOfWork.RunAsync(_dataSource, _outbox, _clock, "offset reset alert", context =>
                {
                    context.RaiseAlert(_options.Consumer, AlertSeverities.Critical, OffsetResetCode,
                        line.Split(':', 2)[0], message, key);
                    return Task.FromResult(true);
                }, CancellationToken.None);
            }
            catch (Exception e)
            {
                _logger.LogCritical(e, "Consumer {Consumer}: the alert for deleted messages could not be written yet",
                    _options.Consumer);
                return;
            }
            _offsetResets.TryDequeue(out _);
        }
    }

    /// <summary>Called on one of librdkafka's threads: noted here, alerted by the loop.</summary>
    private void ObserveLog(LogMessage m)
    {
        if (KafkaClients.OffsetResetAfterError(m) is not { } line) return;
        Stats.AddOffsetReset();
        _offsetResets.Enqueue(line);
    }

    /// <summary>The alert's code for messages deleted before this consumer read them.</summary>
    public const string OffsetResetCode = "messages_deleted_unread";

    /// <summary>
    /// A handler cancelled because the worker is stopping (a Stripe call cut short): no failure
    /// of the message's, which stays uncommitted and is read again by whoever consumes next.
    /// </summary>
    private static bool ShuttingDown(Exception e, CancellationToken ct) =>
        ct.IsCancellationRequested
        && (e is OperationCanceledException || e.InnerException is OperationCanceledException);

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { }
    }

    /// <summary>
    /// Runs the after-commit actions (in-memory state that mirrors what was written). One that
    /// fails leaves memory and database disagreeing: the worker stops, whatever pass it is in,
    /// and rebuilds its memory from the database when it starts again.
    /// </summary>
    private async Task RunCommittedAsync(HandlerContext context, IReadOnlyList<Item> items)
    {
        try
        {
            context.RunCommitted();
        }
        catch (Exception e)
        {
            var first = items[0];
            var message = $"an after-commit action failed for {items.Count} message(s) from {first.Where}: "
                + $"{e.GetType().Name}: {e.Message}; consumer {_options.Consumer} stopped: "
                + "its memory no longer matches the database, and is rebuilt when the worker starts again.";
            await RaiseStopAlertAsync(first, message, e);
            throw new WorkerStoppedException(message, e);
        }
    }

    private async Task DeadLetterAsync(Item item, string reason, string severity, CancellationToken ct)
    {
        var outageStarted = (DateTimeOffset?)null;
        while (!ct.IsCancellationRequested)
        {
            NpgsqlConnection? conn = null;
            try
            {
                conn = await _dataSource.OpenConnectionAsync(CancellationToken.None);
                await using var tx = await conn.BeginTransactionAsync(CancellationToken.None);
                var context = new HandlerContext(conn, tx, _clock);
                var rejected = item with { Rejection = reason };
                var claimed = (await ClaimAsync(conn, tx, [rejected])).Count == 1;
                if (claimed) AddDeadLetter(context, item, reason, severity);
                await _outbox.AddAsync(conn, tx, context.Outgoing, CancellationToken.None);
                await tx.CommitAsync(CancellationToken.None);
                await RunCommittedAsync(context, [item]);
                if (claimed) Stats.AddDeadLettered(1); else Stats.AddDuplicates(1);
                Count(claimed ? "dead_lettered" : "duplicate", 1);
                item.Done = true;
                return;
            }
            catch (Exception e) when (ErrorPolicy.IsTransient(e) || ErrorPolicy.ConnectionLost(conn, e))
            {
                outageStarted ??= _clock.GetUtcNow();
                await WaitOutOutageAsync(e, outageStarted.Value, ct);
            }
            finally
            {
                if (conn is not null) await conn.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Inserts the inbox rows and returns the ids that are new to this consumer. A row
    /// left by an earlier dead-lettering is claimed again: a message that was never
    /// applied may be re-driven, or replayed after a fix, and then applies once.
    /// </summary>
    private async Task<HashSet<string>> ClaimAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<Item> items)
    {
        var distinct = items.DistinctBy(i => i.InboxId).ToList();
        // The inbox is partitioned by month (plumbing/0003), its key unique within a month: this
        // month's rows are claimed through the key, as ever (ON CONFLICT), and rows of earlier
        // months are looked up first (only those partitions are scanned). The Kafka partitions of
        // the batch are locked, in order, so that two members of the group overlapping in a
        // rebalance claim a message one after the other even across a month's turn.
        await using var cmd = new NpgsqlCommand($"""
            SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))
            FROM (SELECT DISTINCT @consumer || '/' || t || '/' || p AS k
                  FROM unnest(@topics, @parts) AS x(t, p) ORDER BY 1) keys;
            WITH input AS (
                SELECT * FROM unnest(@ids, @topics, @parts, @offs, @outcomes)
                    WITH ORDINALITY AS u(id, topic, part, off, outcome, ord)
            ), earlier AS (
                SELECT message_id, outcome FROM {_inbox}
                WHERE consumer = @consumer AND message_id = ANY(@ids)
                  AND bucket < (date_trunc('month', now() AT TIME ZONE 'UTC'))::date
            ), again AS (
                UPDATE {_inbox} i
                SET outcome = u.outcome, topic = u.topic, kafka_partition = u.part, kafka_offset = u.off,
                    processed_at = now(), bucket = DEFAULT,
                    dead_letter_count = i.dead_letter_count + CASE WHEN u.outcome = 'dead_lettered' THEN 1 ELSE 0 END
                FROM input u
                WHERE i.consumer = @consumer
                  AND i.message_id = ANY(ARRAY(SELECT message_id FROM earlier WHERE outcome = 'dead_lettered'))
                  AND i.bucket < (date_trunc('month', now() AT TIME ZONE 'UTC'))::date
                  AND i.outcome = 'dead_lettered' AND u.id = i.message_id
                RETURNING i.message_id
            ), fresh AS (
                INSERT INTO {_inbox} AS i
                    (consumer, message_id, topic, kafka_partition, kafka_offset, outcome, dead_letter_count)
                SELECT @consumer, id, topic, part, off, outcome, CASE WHEN outcome = 'dead_lettered' THEN 1 ELSE 0 END
                FROM input WHERE id NOT IN (SELECT message_id FROM earlier) ORDER BY ord
                ON CONFLICT (consumer, message_id, bucket) DO UPDATE
                    SET outcome = excluded.outcome, topic = excluded.topic, kafka_partition = excluded.kafka_partition,
                        kafka_offset = excluded.kafka_offset, processed_at = now(),
                        dead_letter_count = i.dead_letter_count + excluded.dead_letter_count
                    WHERE i.outcome = 'dead_lettered'
                RETURNING i.message_id
            )
            SELECT message_id FROM again UNION ALL SELECT message_id FROM fresh
            """, conn, tx);
        cmd.Parameters.AddWithValue("consumer", _options.Consumer);
        void AddArray(string name, NpgsqlDbType type, Array values) =>
            cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });
        AddArray("ids", NpgsqlDbType.Text, distinct.Select(i => i.InboxId).ToArray());
        AddArray("topics", NpgsqlDbType.Text, distinct.Select(i => i.Result.Topic).ToArray());
        AddArray("parts", NpgsqlDbType.Integer, distinct.Select(i => i.Result.Partition.Value).ToArray());
        AddArray("offs", NpgsqlDbType.Bigint, distinct.Select(i => i.Result.Offset.Value).ToArray());
        AddArray("outcomes", NpgsqlDbType.Text,
            distinct.Select(i => i.Rejection is null ? "applied" : "dead_lettered").ToArray());
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await reader.NextResultAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None)) fresh.Add(reader.GetString(0));
        return fresh;
    }

    /// <summary>
    /// A message's coordinates for the log lines written while it is handled (JSON logs carry them as fields).
    /// </summary>
    private static Dictionary<string, object?> MessageScope(Item item) => new(StringComparer.Ordinal)
    {
        ["MessageId"] = item.InboxId,
        ["MessageType"] = item.Message?.Envelope.Type,
        ["CorrelationId"] = item.Message?.Envelope.CorrelationId,
        ["CausationId"] = item.Message?.Envelope.CausationId,
        ["Topic"] = item.Result.Topic,
        ["Partition"] = item.Result.Partition.Value,
        ["Offset"] = item.Result.Offset.Value,
    };

    private System.Diagnostics.Activity?[]? StartSpans(List<Item> items, int start, int end)
    {
        if (!PipelineTelemetry.ActivitySource.HasListeners()) return null;
        var spans = new System.Diagnostics.Activity?[end - start];
        for (var i = start; i < end; i++)
        {
            var m = items[i].Message!;
            spans[i - start] = PipelineTelemetry.StartMessageActivity(
                _options.Consumer, m.Envelope.Type, m.Envelope.MessageId, m.Envelope.CorrelationId,
                m.Envelope.CausationId, m.Topic, m.Partition, m.Offset);
            // A run of messages handled at once: each span stands alone in its own trace, none nested in another.
            if (end - start > 1) System.Diagnostics.Activity.Current = null;
        }
        return spans;
    }

    private static void EndSpans(System.Diagnostics.Activity?[]? spans, Exception? error)
    {
        if (spans is null) return;
        foreach (var span in spans)
        {
            if (span is null) continue;
            if (error is not null) span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.Message);
            span.Stop();
        }
    }

    private void AddDeadLetter(
        HandlerContext context, Item item, string reason, string severity, int attempts = 1,
        string code = "dead_letter")
    {
        var r = item.Result;
        using var scope = _logger.BeginScope(MessageScope(item));
        context.Cause = item.Message is null ? null : Cause.Of(item.Message.Envelope);
        context.Publish(DeadLetters.Create(_options.Consumer, item.InboxId, r.Topic, r.Partition.Value, r.Offset.Value,
            r.Message.Key, r.Message.Value, item.Headers, item.Message?.Envelope.Type, reason, attempts));
        // Bad input is dead-lettered and alerted in one transaction: an operator hears of it once.
        context.RaiseAlert(_options.Consumer, severity, code, $"{r.Topic}/{item.InboxId}",
            $"{item.Message?.Envelope.Type ?? "message"} {item.InboxId} from {item.Where} "
            + $"dead-lettered to {Topics.DeadLetter(r.Topic)}: {reason}",
            $"{item.InboxId}:{r.Offset.Value}");
        context.Cause = null;
        _logger.LogError("Consumer {Consumer}: dead-lettered {MessageId} from {Where} to {DeadLetterTopic}: {Reason}",
            _options.Consumer, item.InboxId, item.Where, Topics.DeadLetter(r.Topic), reason);
    }

    private Item Classify(ConsumeResult<byte[]?, byte[]?> r)
    {
        var headers = IncomingMessage.HeadersOf(r.Message.Headers);
        var where = $"{r.Topic}/{r.Partition.Value}@{r.Offset.Value}";
        // Without a usable message id the Kafka coordinates stand in, so even a replay of
        // the bad message is recognised as seen.
        var fallbackId = $"kafka:{where}";
        // Nothing of a message that is not authentic is trusted, its message id included: it
        // is dead-lettered under its coordinates, so it can neither claim nor shadow the inbox
        // row of a genuine message with the same id, and is refused again wherever it is read.
        var refusal = (_options.Verifier ?? MessageVerifier.NoKeys)
            .Refusal(r.Topic, r.Message.Key, headers, r.Message.Value, out var signedBy);
        if (refusal is not null)
        {
            var claimed = IncomingMessage.ParseEnvelope(headers, r.Message.Timestamp.UtcDateTime, out _);
            var shown = claimed is null ? null : new IncomingMessage
            {
                Topic = r.Topic, Partition = r.Partition.Value, Offset = r.Offset.Value,
                RawKey = r.Message.Key, Value = r.Message.Value, Headers = headers,
                Envelope = claimed with { MessageId = fallbackId, CorrelationId = fallbackId, CausationId = null },
            };
            return new Item(r, headers, fallbackId, where, shown, null, refusal)
            {
                RejectionSeverity = AlertSeverities.Critical, AlertCode = MessageVerifier.Refused,
            };
        }
        var envelope = IncomingMessage.ParseEnvelope(headers, r.Message.Timestamp.UtcDateTime, out var reason);
        if (envelope is null) return new Item(r, headers, fallbackId, where, null, null, reason);
        var message = new IncomingMessage
        {
            Topic = r.Topic, Partition = r.Partition.Value, Offset = r.Offset.Value,
            RawKey = r.Message.Key, Value = r.Message.Value, Headers = headers, Envelope = envelope,
            Operator = signedBy,
            KafkaTimestamp = r.Message.Timestamp.Type == TimestampType.NotAvailable
                ? null : new DateTimeOffset(r.Message.Timestamp.UtcDateTime, TimeSpan.Zero),
        };
        // Not read at all: nothing the pipeline writes is this large, and what it would make of it
        // could not be published.
        var size = OutgoingMessage.WireBytesOf(r.Message.Key, r.Message.Value, headers);
        if (size > Limits.MessageBytesMax)
            return new Item(r, headers, envelope.MessageId, where, message, null,
                string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"message of {size:N0} bytes; at most {Limits.MessageBytesMax:N0} are read"));
        if (!_handlers.TryGetValue(envelope.Type, out var handler))
            return new Item(r, headers, envelope.MessageId, where, message, null,
                $"unknown message type '{envelope.Type}' on {r.Topic}");
        if (envelope.SchemaVersion > handler.SchemaVersionMax)
            return new Item(r, headers, envelope.MessageId, where, message, null,
                $"schema version {envelope.SchemaVersion} of {envelope.Type} is newer than this consumer reads "
                + $"(at most {handler.SchemaVersionMax})");
        return new Item(r, headers, envelope.MessageId, where, message, handler, null);
    }

    private void StoreOffsets(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<Item> items)
    {
        var lastDone = items.Where(i => i.Done).GroupBy(i => i.Result.TopicPartition)
            .Select(g => g.MaxBy(i => i.Result.Offset.Value)!);
        foreach (var last in lastDone)
        {
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(last.Result.TopicPartition, last.Result.Offset + 1));
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

    private async Task WaitOutOutageAsync(Exception e, DateTimeOffset since, CancellationToken ct)
    {
        var down = _clock.GetUtcNow() - since;
        if (down > _options.DatabaseOutageTolerance)
            throw new WorkerStoppedException(
                $"consumer {_options.Consumer}: database or dependency unavailable for {down.TotalSeconds:F0} s, "
                + $"giving up: {e.Message}", e);
        var delay = Backoff.Exponential(
            (int)Math.Min(20, down.TotalSeconds + 1), 200, Limits.DatabaseRetryBackoffMsMax);
        _logger.LogWarning(
            "Consumer {Consumer}: database or dependency unavailable for {DownSeconds:F0} s, "
            + "retrying in {DelayMs} ms: {Error}",
            _options.Consumer, down.TotalSeconds, (int)delay.TotalMilliseconds, e.Message);
        try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { }
    }

    private sealed class HandlerFailedException(Item? item, Exception inner) : Exception(inner.Message, inner)
    {
        public Item? Item { get; } = item;
    }

    private sealed record Item(
        ConsumeResult<byte[]?, byte[]?> Result,
        IReadOnlyList<Header> Headers,
        string InboxId,
        string Where,
        IncomingMessage? Message,
        IMessageHandler? Handler,
        string? Rejection)
    {
        public bool Done { get; set; }
        /// <summary>
        /// The alert a refusal raises: a warning for bad input, critical for a message that is not authentic.
        /// </summary>
        public string RejectionSeverity { get; init; } = AlertSeverities.Warning;
        public string AlertCode { get; init; } = "dead_letter";
    }
}
