namespace ContestPipeline.Plumbing.Messaging;

/// <summary>Which outbox an <see cref="OutboxRelay"/> publishes, how much at a time, and who it signs as.</summary>
public sealed class OutboxRelayOptions
{
    public required string Schema { get; init; }
    public int BatchSizeMax { get; init; } = Limits.OutboxBatchSizeMax;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(Limits.OutboxPollIntervalMs);
    /// <summary>The slowest it polls while nothing is written (see <see cref="Wakeup"/>).</summary>
    public TimeSpan IdlePollMax { get; init; } = TimeSpan.FromMilliseconds(Limits.IdlePollMaxMs);
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMilliseconds(Limits.OutboxDeliveryTimeoutMs);
    /// <summary>
    /// Signs every row bound for an internal topic as this worker's producer; rows for other
    /// topics (alerts, dead letters, canaries) go out as written. Without one nothing is
    /// signed, and consumers refuse whatever it publishes on an internal topic.
    /// </summary>
    public MessageSigner? Signer { get; init; }
}
