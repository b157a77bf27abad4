namespace ContestPipeline.Webhooks;

/// <summary>The receiver's bounds, units last.</summary>
public static class WebhookLimits
{
    /// <summary>
    /// Stripe's events are a few KiB; anything near this is not from Stripe. Well under the
    /// 1,000,000 bytes a message may have (<see cref="ContestPipeline.Plumbing.Limits.MessageBytesMax"/>):
    /// a larger body could never be produced, and answering 503 would have Stripe retry it
    /// for three days instead of hearing 413 once.
    /// </summary>
    public const int BodyBytesMax = 512 * 1024;

    /// <summary>
    /// How long a request waits for Kafka to acknowledge its event before answering 503.
    /// Well under Stripe's own webhook timeout, so Stripe hears the 503 and retries.
    /// </summary>
    public const int DeliveryTimeoutMs = 10_000;

    /// <summary>
    /// Requests handled at once; the next is answered 503 (Stripe retries it later). Stripe sends an
    /// endpoint a few at a time; far more at once is a flood, which must not hold the process's memory
    /// (up to <see cref="BodyBytesMax"/> each) or its producer queue. Kestrel's minimum body data rate
    /// frees a permit held by a client that sends its body too slowly.
    /// </summary>
    public const int ConcurrentRequestsMax = 64;

    /// <summary>
    /// At most one log line per this interval about refused requests (each line counts those
    /// it stands for): a flood of forged requests must not become a flood of log lines.
    /// </summary>
    public const int RejectionLogIntervalMs = 10_000;
}
