using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>What an <see cref="InboxConsumer"/> reads, where its inbox is, and its limits.</summary>
public sealed class InboxConsumerOptions
{
    /// <summary>The consumer's name: its Kafka group id and its key in the inbox.</summary>
    public required string Consumer { get; init; }
    public required string Schema { get; init; }
    public required IReadOnlyList<string> Topics { get; init; }
    public int BatchSizeMax { get; init; } = Limits.ConsumerBatchSizeMax;
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMilliseconds(Limits.ConsumerPollTimeoutMs);
    /// <summary>
    /// Retries of a message whose transaction keeps conflicting with another before it counts as a bug.
    /// </summary>
    public int ConflictRetriesMax { get; init; } = Limits.ConflictRetriesMax;
    public int ConflictBackoffMs { get; init; } = Limits.ConflictBackoffMs;
    public int ConflictBackoffMsMax { get; init; } = Limits.ConflictBackoffMsMax;
    public TimeSpan DatabaseOutageTolerance { get; init; } =
        TimeSpan.FromMilliseconds(Limits.DatabaseOutageToleranceMs);
    /// <summary>
    /// Checks every message on an internal topic before any handler sees it. Without one the
    /// consumer holds no key, and refuses every message on an internal topic.
    /// </summary>
    public MessageVerifier? Verifier { get; init; }

    /// <summary>How to reach a secured cluster; null: the process's environment's settings.</summary>
    public KafkaSecurity? Security { get; init; }

    /// <summary>
    /// Told which partitions this member of the group gained and lost, before any message of a gained one is handled.
    /// </summary>
    public IPartitionOwner? PartitionOwner { get; init; }

    /// <summary>
    /// A pause before each batch, to slow this loop on purpose (test-only, <see cref="Throttles"/>); zero in
    /// production.
    /// </summary>
    public TimeSpan BatchDelay { get; init; }
}
