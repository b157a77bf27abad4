namespace ContestPipeline.Webhooks.Domain;

/// <summary>What became of one webhook request, in the order the checks run.</summary>
public enum WebhookOutcome
{
    /// <summary>Kafka acknowledged the event: 200.</summary>
    Forwarded,
    /// <summary>The body is larger than <see cref="WebhookReceiverOptions.BodyBytesMax"/>: 413.</summary>
    BodyTooLarge,
    /// <summary>No Stripe-Signature header: 400.</summary>
    SignatureMissing,
    /// <summary>A Stripe-Signature header without t= or v1=: 400.</summary>
    SignatureMalformed,
    /// <summary>No v1 value is this body's signature under any configured secret: 400.</summary>
    SignatureNotMatching,
    /// <summary>Correctly signed, but too long ago (or ahead): a replay, 400.</summary>
    SignatureExpired,
    /// <summary>Correctly signed but not a JSON object with an id and a type: 400.</summary>
    EventMalformed,
    /// <summary>
    /// Correctly signed, but a live-mode event in an environment that is not production, or a
    /// test-mode event in production: 400, with a critical alert. Test money never meets live money.
    /// </summary>
    LivemodeMismatch,
    /// <summary>Kafka did not acknowledge in time or refused: 503, and Stripe retries.</summary>
    KafkaUnavailable,
    /// <summary>
    /// <see cref="WebhookReceiverOptions.ConcurrentRequestsMax"/> requests already in flight: 503 at once,
    /// before the body is read, and Stripe retries. Checked first, so a flood costs no more than its count.
    /// </summary>
    Busy,
}

public readonly record struct WebhookAnswer(WebhookOutcome Outcome, string Detail)
{
    public int StatusCode => Outcome switch
    {
        WebhookOutcome.Forwarded => 200,
        WebhookOutcome.BodyTooLarge => 413,
        WebhookOutcome.KafkaUnavailable or WebhookOutcome.Busy => 503,
        _ => 400,
    };
}

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
