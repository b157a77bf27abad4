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

    /// <summary>Headers in their order, repeated names kept.</summary>
    public static Headers Headers(IEnumerable<Messaging.Header> headers)
    {
        var kafka = new Headers();
        foreach (var h in headers) kafka.Add(h.Name, h.Value);
        return kafka;
    }

    /// <summary>Idempotent producer, acks=all: no duplicates or reordering from producer retries.</summary>
    public static ProducerConfig ProducerConfig(string bootstrapServers, string clientId) => new()
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
    };

    /// <summary>
    /// Offsets are stored by the consume loop only after its database transaction commits
    /// (enable.auto.offset.store=false); the background commit then only ever commits
    /// offsets of messages whose effects are durable.
    /// </summary>
    public static ConsumerConfig ConsumerConfig(string bootstrapServers, string groupId) => new()
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
        FetchWaitMaxMs = 50,
    };

    public static IProducer<byte[]?, byte[]?> Producer(ProducerConfig config, ILogger logger)
    {
        KafkaNative.EnsureLoaded();
        return new ProducerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, m) => Log(logger, m))
            .SetErrorHandler((_, e) => logger.LogWarning("Kafka producer error {Code}: {Reason} (fatal: {Fatal})", e.Code, e.Reason, e.IsFatal))
            .Build();
    }

    public static ConsumerBuilder<byte[]?, byte[]?> ConsumerBuilder(ConsumerConfig config, ILogger logger)
    {
        KafkaNative.EnsureLoaded();
        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, m) => Log(logger, m));
    }

    /// <summary>An admin client whose librdkafka logs go to <paramref name="logger"/> (none: discarded).</summary>
    public static IAdminClient Admin(string bootstrapServers, ILogger? logger = null)
    {
        KafkaNative.EnsureLoaded();
        return new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers })
            .SetLogHandler((_, m) => { if (logger is not null) Log(logger, m); })
            .Build();
    }

    /// <summary>Fails with one clear line if no broker answers a metadata request in time.</summary>
    public static void ProbeBroker(string bootstrapServers, TimeSpan timeout)
    {
        try
        {
            using var admin = Admin(bootstrapServers);
            var metadata = admin.GetMetadata(timeout);
            if (metadata.Brokers.Count == 0) throw new KafkaException(ErrorCode.Local_AllBrokersDown);
        }
        catch (KafkaException e)
        {
            throw new StartupException($"Kafka broker unreachable at {bootstrapServers}: {e.Error.Reason}", e);
        }
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
