namespace ContestPipeline.Plumbing;

/// <summary>
/// Every bound of the messaging core in one place, units last. Defaults are the
/// production values; tests and the benchmark override them through options objects.
/// </summary>
public static class Limits
{
    public const int OutboxBatchSizeMax = 2_000;
    public const int OutboxPollIntervalMs = 20;
    /// <summary>
    /// The slowest an idle relay or job polls: each poll that finds nothing doubles the wait from its fast
    /// pace up to this, and a pulse of its schema's <see cref="Messaging.Wakeup"/> brings it back at once.
    /// </summary>
    public const int IdlePollMaxMs = 1_000;
    public const int OutboxFailureBackoffMs = 500;
    public const int OutboxFailureBackoffMsMax = 10_000;
    public const int OutboxDeliveryTimeoutMs = 60_000;
    public const int OutboxSentRetentionHours = 7 * 24;

    public const int ConsumerBatchSizeMax = 500;
    public const int ConsumerPollTimeoutMs = 100;
    /// <summary>
    /// Retries of a transaction that keeps losing to a concurrent one before it counts as a bug
    /// (ErrorPolicy).
    /// </summary>
    public const int ConflictRetriesMax = 10;
    public const int ConflictBackoffMs = 20;
    public const int ConflictBackoffMsMax = 2_000;

    /// <summary>
    /// After a bug stops a worker, how long its relay may take to deliver what is committed (the
    /// bug's alert among it).
    /// </summary>
    public const int StopDrainTimeoutMs = 5_000;

    /// <summary>How long a worker waits out an unreachable database before it stops (and is restarted).</summary>
    public const int DatabaseOutageToleranceMs = 10 * 60_000;
    public const int DatabaseRetryBackoffMsMax = 5_000;

    /// <summary>
    /// The largest message the pipeline reads or writes, key and headers included: librdkafka's
    /// default message.max.bytes, which the pipeline's producers use, and under a Kafka
    /// broker's default limit (1,048,588). A consumed message above it is dead-lettered
    /// unread; an outgoing one above it could never be delivered, so it is never written.
    /// </summary>
    public const int MessageBytesMax = 1_000_000;

    /// <summary>
    /// A dlq-reason, dlq-exception or alert message is cut to this many characters: they are for
    /// people.
    /// </summary>
    public const int ReasonLengthMax = 4_000;

    public const int KafkaSessionTimeoutMs = 6_000;
    public const int KafkaHeartbeatIntervalMs = 1_000;
    public const int StartupProbeTimeoutMs = 10_000;
    /// <summary>
    /// How long the start-up probe waits for Postgres to answer: a refused connection fails at
    /// once, but on a heavily loaded host opening a session has taken more than 10 s.
    /// </summary>
    public const int PostgresProbeTimeoutMs = 30_000;
}
