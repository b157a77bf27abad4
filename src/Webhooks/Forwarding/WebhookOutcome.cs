namespace ContestPipeline.Webhooks.Forwarding;

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
