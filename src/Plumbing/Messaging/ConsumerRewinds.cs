using System.Text.Json;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Applies operators' rewinds (<see cref="ConsumerRewindRequested"/> on <c>workers.rewinds</c>) to this worker's own
/// stored positions when it starts, before any consumer takes a partition. The topic is read whole without a
/// consumer group (every partition from its low to its high watermark, nothing committed). A request counts only if
/// its operator's signature verifies for this worker (the verifier every operator decision goes through), it names
/// this worker and one of its groups, and it is within its lifetime (<see cref="DecisionAge"/>); anything else is
/// logged and counted, never applied. An applied request is recorded in the same transaction as the positions it
/// lowered, so a restart applies it no second time; a position is only ever lowered.
/// </summary>
public sealed class ConsumerRewinds(NpgsqlDataSource dataSource, string bootstrapServers, KafkaSecurity? security,
    string worker, IReadOnlyList<(string Consumer, IReadOnlyList<string> Topics)> groups, MessageVerifier verifier,
    TimeProvider clock, ILogger logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>What one start made of the topic.</summary>
    public sealed record Outcome(int Applied, int AppliedBefore, int Refused, int OtherWorkers);

    public async Task<Outcome> ApplyAsync(CancellationToken ct)
    {
        var requests = Read(ct);
        int applied = 0, before = 0, refused = 0, others = 0;
        foreach (var (request, refusal) in requests)
        {
            ct.ThrowIfCancellationRequested();
            if (refusal is not null)
            {
                refused++;
                logger.LogWarning("Worker {Worker}: rewind {Request} refused, nothing moved: {Refusal}", worker,
                    request?.RequestId ?? "(unreadable)", refusal);
                if (request?.Worker == worker) await AlertRefusedAsync(request, refusal, ct);
                continue;
            }
            if (request!.Worker != worker)
            {
                others++;
                continue;
            }
            if (await ApplyOneAsync(request, ct)) applied++;
            else before++;
        }
        if (requests.Count > 0)
            logger.LogInformation("Worker {Worker}: rewinds read {Read}: applied {Applied}, applied before {Before}, "
                + "refused {Refused}, for other workers {Others}", worker, requests.Count, applied, before, refused,
                others);
        return new Outcome(applied, before, refused, others);
    }

    /// <summary>Every request on the topic, each with why it does not count (null when it does).</summary>
    private List<(ConsumerRewindRequested? Request, string? Refusal)> Read(CancellationToken ct)
    {
        var found = new List<(ConsumerRewindRequested?, string?)>();
        using var consumer = Consumer();
        var ends = Watermarks(consumer, Topics.WorkerRewinds);
        var open = ends.Where(e => e.Value.High > e.Value.Low).ToDictionary(e => e.Key, e => e.Value.High);
        if (open.Count == 0) return found;
        consumer.Assign(open.Keys.Select(p => new TopicPartitionOffset(p, ends[p].Low)));
        while (open.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var result = consumer.Consume(Timeout)
                ?? throw new TransientDependencyException("kafka", new TimeoutException(
                    $"{Topics.WorkerRewinds} not read to its end within {Timeout.TotalSeconds:0} s"));
            if (result.IsPartitionEOF)
            {
                open.Remove(result.TopicPartition);
                continue;
            }
            found.Add(Check(result));
            if (result.Offset.Value + 1 >= open.GetValueOrDefault(result.TopicPartition, 0))
                open.Remove(result.TopicPartition);
        }
        return found;
    }

    /// <summary>The request in <paramref name="result"/>, or why it does not count.</summary>
    private (ConsumerRewindRequested?, string?) Check(ConsumeResult<byte[]?, byte[]?> result)
    {
        var headers = IncomingMessage.HeadersOf(result.Message.Headers);
        if (IncomingMessage.ParseEnvelope(headers, result.Message.Timestamp.UtcDateTime, out var bad) is not { }
            envelope)
            return (null, bad);
        if (envelope.Type != ConsumerRewindRequested.MessageType)
            return (null, $"type {envelope.Type} is not a rewind");
        ConsumerRewindRequested? request;
        try
        {
            request = JsonSerializer.Deserialize<ConsumerRewindRequested>(result.Message.Value ?? [],
                OutgoingMessage.Json);
        }
        catch (JsonException e)
        {
            return (null, "unreadable body: " + e.Message);
        }
        if (request is null) return (null, "empty body");
        // Another worker's request is that worker's to verify and apply.
        if (request.Worker != worker) return (request, null);
        if (verifier.Refusal(result.Topic, result.Message.Key, headers, result.Message.Value, out var signer) is
            { } refusal)
            return (request, refusal);
        if (signer is null || signer != request.Operator)
            return (request, $"it names operator {request.Operator} but was signed by {signer ?? "nobody"}");
        if (DecisionAge.Refusal(request.RequestedAt, clock.GetUtcNow(), ConsumerRewindRequested.Lifetime) is
            { } age)
            return (request, age);
        return (request, Refusal(request));
    }

    /// <summary>Why the request cannot apply to this worker's groups; null when it can.</summary>
    private string? Refusal(ConsumerRewindRequested request)
    {
        var group = groups.FirstOrDefault(g => g.Consumer == request.Group);
        if (group.Consumer is null)
            return $"{worker} has no consumer group {request.Group}";
        if (request.Topic is { } topic && !group.Topics.Contains(topic))
            return $"group {request.Group} does not read {topic}";
        return request.Target switch
        {
            ConsumerRewindRequested.Beginning => null,
            ConsumerRewindRequested.AtOffset => request.Offset is >= 0 ? null : "no offset (or a negative one)",
            ConsumerRewindRequested.AtTime => request.Time is null ? "no time" : null,
            _ => $"unknown target '{request.Target}'",
        };
    }

    /// <summary>
    /// A request naming this worker that it refused, and never applied (one applied, then read again after its
    /// lifetime, is no news): a critical alert, once per request, so the operator who asked knows nothing moved, and a
    /// forged or stale one is seen. Its alert is written to the outbox like any other; the relay delivers it.
    /// </summary>
    private async Task AlertRefusedAsync(ConsumerRewindRequested request, string refusal, CancellationToken ct)
    {
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
            if (await new ConsumerRewindStore(worker).AppliedAsync(conn, request.RequestId)) return;
        await UnitOfWork.RunAsync(dataSource, new OutboxStore(worker), clock, "rewind refused", context =>
        {
            context.Cause = Cause.Recorded(request.RequestId, ConsumerRewindRequested.MessageIdFor(request.RequestId));
            context.RaiseAlert(worker, AlertSeverities.Critical, RefusedCode, $"{request.Group} rewind",
                $"the rewind {request.RequestId} of {request.Group} ({request.Target}) signed as operator " +
                $"{request.Operator} was refused and nothing moved: {refusal}. Send it again with cpctl replay if it " +
                "was yours; otherwise someone sent a rewind they may not (docs/replay-and-dead-letters.md)",
                request.RequestId);
            return Task.FromResult(true);
        }, ct);
    }

    /// <summary>The alert code of a refused rewind.</summary>
    public const string RefusedCode = "rewind_refused";

    /// <summary>Lowers the group's positions to the request's target, once; false when applied before.</summary>
    private async Task<bool> ApplyOneAsync(ConsumerRewindRequested request, CancellationToken ct)
    {
        var topics = request.Topic is { } t ? [t] : groups.First(g => g.Consumer == request.Group).Topics;
        var targets = Targets(request, topics);
        var positions = new ConsumerPositionStore(worker, request.Group);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (!await new ConsumerRewindStore(worker).RecordAsync(conn, tx, request.RequestId, request.Group,
                request.Operator, request.Reason))
            return false;
        var moved = await positions.LowerAsync(conn, tx, targets);
        await tx.CommitAsync(CancellationToken.None);
        logger.LogWarning("Worker {Worker}: rewind {Request} of {Group} by {Operator} ({Reason}) applied: {Moved}",
            worker, request.RequestId, request.Group, request.Operator, request.Reason,
            moved.Count == 0 ? "no position stood above it"
                : string.Join(", ", moved.Select(m => $"{m.Topic} [{m.Partition}] {m.From} -> {m.To}")));
        return true;
    }

    /// <summary>Per partition of <paramref name="topics"/>, the offset the request moves it back to.</summary>
    private List<(string Topic, int Partition, long NextOffset)> Targets(ConsumerRewindRequested request,
        IReadOnlyList<string> topics)
    {
        using var consumer = Consumer();
        var targets = new List<(string, int, long)>();
        foreach (var topic in topics)
        {
            var ends = Watermarks(consumer, topic);
            var byTime = request.Target == ConsumerRewindRequested.AtTime
                ? BrokerOffsetsForTime(consumer, ends.Keys, request.Time!.Value) : null;
            foreach (var (partition, (low, high)) in ends)
            {
                var at = request.Target switch
                {
                    ConsumerRewindRequested.Beginning => low,
                    ConsumerRewindRequested.AtOffset => request.Offset!.Value,
                    _ => byTime?.GetValueOrDefault(partition) is >= 0 and var answered ? answered
                        : SearchByTime(consumer, partition, low, high, request.Time!.Value),
                };
                targets.Add((topic, partition.Partition.Value, at));
            }
        }
        return targets;
    }

    /// <summary>
    /// The broker's answer from its time index, per partition: the first offset stamped at or after
    /// <paramref name="time"/>, negative when it has none to give; null when it gave no answer at all.
    /// </summary>
    private Dictionary<TopicPartition, long>? BrokerOffsetsForTime(IConsumer<byte[]?, byte[]?> consumer,
        IEnumerable<TopicPartition> partitions, DateTimeOffset time)
    {
        try
        {
            return consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(time))),
                Timeout).ToDictionary(o => o.TopicPartition, o => o.Offset.Value);
        }
        catch (KafkaException e)
        {
            logger.LogInformation("Worker {Worker}: the broker gave no offsets for {Time:O} ({Reason}); the " +
                "partitions' messages are searched instead", worker, time, e.Error.Reason);
            return null;
        }
    }

    /// <summary>
    /// The first offset of [<paramref name="low"/>, <paramref name="high"/>) whose message is stamped at or after
    /// <paramref name="time"/>, or <paramref name="high"/>: found in the partition's own messages by binary search,
    /// for a broker without a time index (the local one) or one that said it has none there. Exact when timestamps
    /// grow with offsets, as they do when producers' clocks agree (the broker's own index assumes as much); a few
    /// fetches of one message each.
    /// </summary>
    private long SearchByTime(IConsumer<byte[]?, byte[]?> consumer, TopicPartition partition, long low, long high,
        DateTimeOffset time)
    {
        var (from, to) = (low, high);
        while (from < to)
        {
            var middle = from + (to - from) / 2;
            if (FirstFrom(consumer, partition, middle, to) is not { } found || found.Stamped >= time) to = middle;
            else from = found.Offset + 1;
        }
        consumer.Unassign();
        return from;
    }

    /// <summary>
    /// The first message at or after <paramref name="offset"/> and before <paramref name="end"/>, if any.
    /// </summary>
    private static (long Offset, DateTimeOffset Stamped)? FirstFrom(IConsumer<byte[]?, byte[]?> consumer,
        TopicPartition partition, long offset, long end)
    {
        consumer.Assign(new TopicPartitionOffset(partition, offset));
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null) continue;
            if (result.IsPartitionEOF || result.Offset.Value >= end) return null;
            return (result.Offset.Value, result.Message.Timestamp.UtcDateTime);
        }
        throw new TransientDependencyException("kafka", new TimeoutException(
            $"{partition.Topic} [{partition.Partition.Value}] at {offset} not read within {Timeout.TotalSeconds:0} s"));
    }

    /// <summary>Every partition of <paramref name="topic"/> with its low and high watermarks.</summary>
    private Dictionary<TopicPartition, (long Low, long High)> Watermarks(IConsumer<byte[]?, byte[]?> consumer,
        string topic)
    {
        using var admin = KafkaClients.Admin(bootstrapServers, logger, security);
        var meta = admin.GetMetadata(topic, Timeout).Topics.FirstOrDefault(t => t.Topic == topic);
        if (meta is null || meta.Error.IsError)
            throw new TransientDependencyException("kafka",
                new InvalidOperationException($"topic {topic} is not on the broker yet"));
        return meta.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToDictionary(p => p, p =>
        {
            var w = consumer.QueryWatermarkOffsets(p, Timeout);
            return (w.Low.Value, w.High.Value);
        });
    }

    /// <summary>
    /// A consumer that joins no group: it is assigned partitions and commits nothing (the client insists on a group
    /// id; this one is never joined).
    /// </summary>
    private IConsumer<byte[]?, byte[]?> Consumer()
    {
        var config = KafkaClients.Secure(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = worker + ".rewinds",
            GroupId = worker + ".rewinds",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }, security);
        return KafkaClients.ConsumerBuilder(config, logger).Build();
    }
}
