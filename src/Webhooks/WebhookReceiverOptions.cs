using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.Webhooks;

public sealed class WebhookReceiverOptions
{
    public const string ListenUrlDefault = "http://127.0.0.1:0";

    public required string BootstrapServers { get; init; }

    /// <summary>
    /// The endpoint's signing secrets (whsec_...). While a secret is rolled, both the old and
    /// the new one are listed; a signature under any of them is accepted.
    /// </summary>
    public required IReadOnlyList<string> SigningSecrets { get; init; }

    /// <summary>
    /// Signs every event it puts on the topic as the <c>webhooks</c> producer: Payout refuses
    /// anything on <c>stripe.events</c> that is not signed by it.
    /// </summary>
    public required MessageSigner Signer { get; init; }

    /// <summary>How old (or how far ahead) a signature's timestamp may be before it counts as a replay.</summary>
    public TimeSpan Tolerance { get; init; } = StripeWebhookSignature.ToleranceDefault;

    /// <summary>The clock signatures' timestamps are checked against.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public string Topic { get; init; } = Topics.StripeEvents;

    /// <summary>Where the receiver's own alerts go (a livemode mismatch).</summary>
    public string AlertsTopic { get; init; } = Topics.Alerts;

    /// <summary>
    /// Where the receiver runs: production forwards only live-mode events, every other
    /// environment only test-mode ones; a mismatch is refused (400) with a critical alert.
    /// </summary>
    public DeploymentEnvironment Environment { get; init; } = DeploymentEnvironment.Development;

    /// <summary>Port 0 picks a free one; <see cref="WebhookReceiver.Url"/> says which.</summary>
    public string ListenUrl { get; init; } = ListenUrlDefault;

    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMilliseconds(WebhookLimits.DeliveryTimeoutMs);

    public int BodyBytesMax { get; init; } = WebhookLimits.BodyBytesMax;

    public int ConcurrentRequestsMax { get; init; } = WebhookLimits.ConcurrentRequestsMax;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// The process's own metrics, traces and health port, as every worker has them (the receiver as a
    /// process of its own); off for a receiver started inside another process.
    /// </summary>
    public bool Observability { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
            throw new ArgumentException("no Kafka bootstrap servers", nameof(BootstrapServers));
        if (SigningSecrets.Count == 0)
            throw new ArgumentException("at least one webhook signing secret", nameof(SigningSecrets));
        // An API key pasted where the signing secret belongs would reject every event; say so at start.
        if (SigningSecrets.Any(s => !s.StartsWith("whsec_", StringComparison.Ordinal) || s.Length <= "whsec_".Length))
            throw new ArgumentException("webhook signing secrets start with whsec_", nameof(SigningSecrets));
        if (Tolerance <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "must be positive");
        if (DeliveryTimeout <= TimeSpan.Zero || DeliveryTimeout > TimeSpan.FromMinutes(1))
            throw new ArgumentOutOfRangeException(nameof(DeliveryTimeout), DeliveryTimeout, "between 0 and 1 minute");
        if (ConcurrentRequestsMax <= 0)
            throw new ArgumentOutOfRangeException(nameof(ConcurrentRequestsMax), ConcurrentRequestsMax, "positive");
        if (BodyBytesMax <= 0)
            throw new ArgumentOutOfRangeException(nameof(BodyBytesMax), BodyBytesMax, "must be positive");
        if (string.IsNullOrWhiteSpace(Topic)) throw new ArgumentException("no topic", nameof(Topic));
        if (string.IsNullOrWhiteSpace(AlertsTopic)) throw new ArgumentException("no alerts topic", nameof(AlertsTopic));
    }
}
