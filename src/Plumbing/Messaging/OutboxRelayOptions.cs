namespace ContestPipeline.Plumbing.Messaging;

/// <summary>Which outbox an <see cref="OutboxRelay"/> publishes, how much at a time, and who it signs as.</summary>
public sealed class OutboxRelayOptions
{
    public required string Schema { get; init; }
    public int BatchSizeMax { get; init; } = Limits.OutboxBatchSizeMax;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(Limits.OutboxPollIntervalMs);
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMilliseconds(Limits.OutboxDeliveryTimeoutMs);
    /// <summary>
    /// Signs every row bound for an internal topic as this worker's producer; rows for other
    /// topics (alerts, dead letters, canaries) go out as written. Without one nothing is
    /// signed, and consumers refuse whatever it publishes on an internal topic.
    /// </summary>
    public MessageSigner? Signer { get; init; }
}
