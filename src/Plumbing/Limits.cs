namespace ContestPipeline.Plumbing;

/// <summary>
/// Every bound of the messaging core in one place, units last. Defaults are the
/// production values; tests and the benchmark override them through options objects.
/// </summary>
public static class Limits
{
    public const int OutboxBatchSizeMax = 2_000;
    public const int OutboxPollIntervalMs = 20;
    public const int OutboxFailureBackoffMs = 500;
    public const int OutboxFailureBackoffMsMax = 10_000;
    public const int OutboxDeliveryTimeoutMs = 60_000;
    public const int OutboxSentRetentionHours = 7 * 24;

    public const int ConsumerBatchSizeMax = 500;
    public const int ConsumerPollTimeoutMs = 100;
    public const int HandlerAttemptsMax = 3;
    public const int HandlerRetryBackoffMs = 200;
    public const int HandlerRetryBackoffMsMax = 5_000;

    /// <summary>How long a worker waits out an unreachable database before it stops (and is restarted).</summary>
    public const int DatabaseOutageToleranceMs = 10 * 60_000;
    public const int DatabaseRetryBackoffMsMax = 5_000;

    public const int KafkaSessionTimeoutMs = 6_000;
    public const int KafkaHeartbeatIntervalMs = 1_000;
    public const int StartupProbeTimeoutMs = 10_000;
}
