using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Kafka;

/// <summary>
/// Every Kafka client the pipeline makes comes from here, so the native library is
/// loaded first and the delivery guarantees are set in one place.
/// </summary>
public static class KafkaClients
{
    /// <summary>The Kafka record of an outgoing message: its key, body and headers as they are.</summary>
    public static Message<byte[]?, byte[]?> Message(Messaging.OutgoingMessage message) =>
        new() { Key = message.Key, Value = message.Payload, Headers = Headers(message.Headers) };

    /// <summary>
    /// The Kafka record of an outgoing message signed by <paramref name="signer"/> when it signs for the message's
    /// topic (internal topics), as it is otherwise.
    /// </summary>
    public static Message<byte[]?, byte[]?> Message(
        Messaging.OutgoingMessage message, Messaging.MessageSigner? signer) =>
        signer is not null && signer.Signs(message.Topic)
            ? new()
            {
                Key = message.Key, Value = message.Payload,
                Headers = Headers(signer.Sign(message.Topic, message.Key, message.Headers, message.Payload)),
            }
            : Message(message);

    /// <summary>Headers in their order, repeated names kept.</summary>
    public static Headers Headers(IEnumerable<Messaging.Header> headers)
    {
        var kafka = new Headers();
        foreach (var h in headers) kafka.Add(h.Name, h.Value);
        return kafka;
    }

    /// <summary>
    /// Produces <paramref name="count"/> records in order (<paramref name="recordAt"/> makes the i-th just before it
    /// is produced) and waits for every delivery report, at most <paramref name="timeout"/>. Returns each record's
    /// error, null when the broker acknowledged it; one still in flight at the timeout counts as not confirmed, and so
    /// does one acknowledged only by implication (<see cref="ImpliedAck"/>): sent again, it is at worst a duplicate,
    /// which every consumer's inbox skips, where trusted it may be a message lost.
    /// </summary>
    public static async Task<string?[]> ProduceAllAsync(IProducer<byte[]?, byte[]?> producer, int count,
        Func<int, (string Topic, Message<byte[]?, byte[]?> Record)> recordAt, TimeSpan timeout, CancellationToken ct)
    {
        var errors = new string?[count];
        var pending = count;
        if (count == 0) return errors;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < count; i++)
        {
            var index = i;
            var (topic, record) = recordAt(i);
            try
            {
                producer.Produce(topic, record, report =>
                {
                    if (report.Error.IsError) errors[index] = report.Error.Reason;
                    else if (ImpliedAck(report.Offset))
                        errors[index] = $"acknowledged only by implication on {report.Topic} "
                            + $"[{report.Partition.Value}] (no offset: librdkafka's implicit ack of a batch that "
                            + "failed uncertainly), so not counted delivered";
                    if (Interlocked.Decrement(ref pending) == 0) done.TrySetResult();
                });
            }
            catch (ProduceException<byte[]?, byte[]?> e)
            {
                errors[index] = e.Error.Reason;
                if (Interlocked.Decrement(ref pending) == 0) done.TrySetResult();
            }
        }
        producer.Flush(TimeSpan.Zero);
        try
        {
            await done.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            for (var i = 0; i < errors.Length; i++) errors[i] ??= "delivery not confirmed in time";
        }
        return errors;
    }

    /// <summary>
    /// Whether a delivery report without an error is librdkafka's implicit acknowledgement: no offset, because no
    /// answer of the broker's acknowledged this record. The idempotent producer acknowledges a batch that failed with
    /// an uncertain error (a timeout, NOT_LEADER) once a later batch of its partition succeeds
    /// (rd_kafka_dr_implicit_ack, rdkafka_broker.c), since a real broker's sequence checks would have refused the
    /// later one had the earlier been lost. librdkafka's mock cluster, the local broker, checks sequences only for a
    /// transactional producer (rd_kafka_mock_validate_records, rdkafka_mock.c), so there the record may be lost; and a
    /// broker of any kind that answered nothing for the record has not said it holds it.
    /// </summary>
    public static bool ImpliedAck(Offset offset) => offset == Offset.Unset;

    /// <summary>Idempotent producer, acks=all: no duplicates or reordering from producer retries.</summary>
    public static ProducerConfig ProducerConfig(string bootstrapServers, string clientId,
        KafkaSecurity? security = null) => Secure(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        ClientId = clientId,
        EnableIdempotence = true,
        Acks = Acks.All,
        MaxInFlight = 5,
        LingerMs = 5,
        MessageTimeoutMs = Limits.OutboxDeliveryTimeoutMs,
        MessageMaxBytes = Limits.MessageBytesMax,
        // The Java client's partitioner, so keys land on the same partitions whoever produces them.
        Partitioner = Partitioner.Murmur2Random,
    }, security);

    /// <summary>
    /// Offsets are stored by the consume loop only after its database transaction commits
    /// (enable.auto.offset.store=false); the background commit then only ever commits
    /// offsets of messages whose effects are durable.
    /// </summary>
    public static ConsumerConfig ConsumerConfig(string bootstrapServers, string groupId,
        KafkaSecurity? security = null) => Secure(new ConsumerConfig
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        ClientId = groupId,
        EnableAutoCommit = true,
        AutoCommitIntervalMs = 1_000,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        IsolationLevel = IsolationLevel.ReadCommitted,
        SessionTimeoutMs = Limits.KafkaSessionTimeoutMs,
        HeartbeatIntervalMs = Limits.KafkaHeartbeatIntervalMs,
        FetchWaitMaxMs = FetchWaitMs(Environment.GetEnvironmentVariable(FetchWaitVariable)),
    }, security);

    /// <summary>
    /// How long a fetch with nothing to return waits, in ms. A real broker answers as soon as data comes, so on one
    /// this is no latency. librdkafka's mock cluster, the local broker, answers only when the wait is up: there a
    /// consumer that has caught up sees the next record up to this late, and each idle consumer fetches this often
    /// from each broker it reads. <see cref="FetchWaitDefaultMs"/> keeps the local stack's latency low (a stat reaches
    /// the standings in three hops); the test suite, whose stacks mostly idle on two busy cores, sets 200
    /// (<c>./run test</c>; docs/benchmarks.md, "The test suite").
    /// </summary>
    public const string FetchWaitVariable = "CONTESTPIPELINE_KAFKA_FETCH_WAIT_MS";

    public const int FetchWaitDefaultMs = 50;

    /// <summary>The fetch wait <paramref name="value"/> sets: 1 to 500 ms, or the default when unset.</summary>
    public static int FetchWaitMs(string? value) =>
        string.IsNullOrEmpty(value) ? FetchWaitDefaultMs
        : int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
            out var ms) && ms is >= 1 and <= 500 ? ms
        : throw new ArgumentException($"{FetchWaitVariable} is '{value}': a whole number of milliseconds from 1 to 500",
            nameof(value));

    /// <summary>
    /// The process's security settings on a client's configuration: the ones given, else those of
    /// its environment (<see cref="KafkaSecurity.Environment"/>), so every client of a process
    /// reaches a secured cluster the same way.
    /// </summary>
    public static T Secure<T>(T config, KafkaSecurity? security) where T : ClientConfig =>
        (security ?? KafkaSecurity.Environment).ApplyTo(config);

    public static IProducer<byte[]?, byte[]?> Producer(ProducerConfig config, ILogger logger)
    {
        KafkaNative.EnsureLoaded();
        return new ProducerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, m) => Log(logger, m))
            .SetErrorHandler((_, e) => logger.LogWarning("Kafka producer error {Code}: {Reason} (fatal: {Fatal})",
                e.Code, e.Reason, e.IsFatal))
            .Build();
    }

    /// <summary>
    /// A consumer whose librdkafka logs go to <paramref name="logger"/>, each also shown to <paramref name="observe"/>
    /// (on one of librdkafka's threads) when given.
    /// </summary>
    public static ConsumerBuilder<byte[]?, byte[]?> ConsumerBuilder(
        ConsumerConfig config, ILogger logger, Action<LogMessage>? observe = null)
    {
        KafkaNative.EnsureLoaded();
        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, m) =>
            {
                Log(logger, m);
                observe?.Invoke(m);
            });
    }

    /// <summary>
    /// librdkafka's line for a partition whose position it moved by <c>auto.offset.reset</c> because of an error (the
    /// offset to read is no longer on the broker: deleted by retention before it was read), as against the first
    /// start of a group with no committed offset, which it logs at debug level. Returns "topic [partition]: …" as
    /// logged, or null for any other line.
    /// </summary>
    public static string? OffsetResetAfterError(LogMessage m) =>
        m.Facility == "OFFSET" && m.Level <= SyslogLevel.Warning
            && m.Message.Contains("offset reset", StringComparison.Ordinal) ? m.Message : null;

    /// <summary>An admin client whose librdkafka logs go to <paramref name="logger"/> (none: discarded).</summary>
    public static IAdminClient Admin(string bootstrapServers, ILogger? logger = null, KafkaSecurity? security = null)
    {
        KafkaNative.EnsureLoaded();
        return new AdminClientBuilder(Secure(new AdminClientConfig { BootstrapServers = bootstrapServers }, security))
            .SetLogHandler((_, m) => { if (logger is not null) Log(logger, m); })
            .Build();
    }

    /// <summary>
    /// Fails with one clear line if no broker answers a metadata request in time, or if any of
    /// <paramref name="requiredTopics"/> does not exist: topics are provisioned (cpctl topics
    /// apply), never auto-created by a worker's first use. The request lists every topic, which
    /// never creates one.
    /// </summary>
    public static void ProbeBroker(string bootstrapServers, TimeSpan timeout,
        IEnumerable<string>? requiredTopics = null, KafkaSecurity? security = null)
    {
        KafkaNative.RequireFeatures((security ?? KafkaSecurity.Environment).NativeFeatures());
        Metadata metadata;
        try
        {
            using var admin = Admin(bootstrapServers, security: security);
            metadata = admin.GetMetadata(timeout);
            if (metadata.Brokers.Count == 0) throw new KafkaException(ErrorCode.Local_AllBrokersDown);
        }
        catch (KafkaException e)
        {
            throw new StartupException($"Kafka broker unreachable at {bootstrapServers}: {e.Error.Reason}", e);
        }
        var present = metadata.Topics.Where(t => !t.Error.IsError).Select(t => t.Topic)
            .ToHashSet(StringComparer.Ordinal);
        var missing = (requiredTopics ?? []).Distinct().Where(t => !present.Contains(t))
            .Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new StartupException(
                $"Kafka topics missing at {bootstrapServers}: {string.Join(", ", missing)}; "
                + "topics are provisioned from the topic list: run cpctl topics apply");
    }

    private static void Log(ILogger logger, LogMessage m)
    {
        var level = m.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Warning,
            SyslogLevel.Warning or SyslogLevel.Notice => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {Facility}: {Message}", m.Facility, m.Message);
    }
}
