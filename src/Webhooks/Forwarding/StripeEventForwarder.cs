using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

using Header = ContestPipeline.Plumbing.Messaging.Header;

namespace ContestPipeline.Webhooks.Forwarding;

/// <summary>
/// Turns one verified webhook body into one message on <c>stripe.events</c>. Nothing else
/// happens in the request: the event's effects belong to its consumers, which read it
/// through their inbox, so Stripe's duplicates (same event id, same message id) apply once.
/// Every correctly signed event with an id and a type is forwarded, whatever else its shape:
/// refusing one would have Stripe retry it for three days and then disable the endpoint,
/// while a consumer that cannot use it dead-letters it with the reason. The one refusal of a
/// signed event is an event of the other mode (live in a test environment, test in
/// production), which is refused with a critical alert.
/// </summary>
public sealed class StripeEventForwarder : IDisposable
{
    private const string Source = "webhooks";

    private readonly WebhookReceiverOptions _options;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly ILogger _logger;
    private readonly Action _onFatal;
    private readonly WebhookRejections _rejections;

    public StripeEventForwarder(WebhookReceiverOptions options, Action onFatal)
    {
        _options = options;
        _onFatal = onFatal;
        _logger = options.LoggerFactory.CreateLogger<StripeEventForwarder>();
        _rejections = new WebhookRejections(options.Clock);
        var config = KafkaClients.ProducerConfig(options.BootstrapServers, "webhooks");
        // librdkafka gives up on the message when the request does, so a 503 is not
        // followed by a late delivery of the same attempt (which would only be a harmless
        // duplicate, but there is no reason to make one).
        config.MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds;
        _producer = KafkaClients.Producer(config, _logger);
    }

    /// <summary>Set when the producer failed fatally and the receiver was told to stop.</summary>
    public bool FailedFatally { get; private set; }

    /// <summary>Every request refused so far, by outcome.</summary>
    public IReadOnlyDictionary<WebhookOutcome, long> Rejections => _rejections.Totals;

    public async Task<WebhookAnswer> ForwardAsync(byte[] body, string? signature, CancellationToken ct)
    {
        var check = StripeWebhookSignature.Verify(body, signature, _options.SigningSecrets, _options.Clock.GetUtcNow(),
            _options.Tolerance);
        var rejected = check switch
        {
            StripeSignatureCheck.Valid => (WebhookOutcome?)null,
            StripeSignatureCheck.MissingHeader => WebhookOutcome.SignatureMissing,
            StripeSignatureCheck.MalformedHeader => WebhookOutcome.SignatureMalformed,
            StripeSignatureCheck.NoMatchingSignature => WebhookOutcome.SignatureNotMatching,
            StripeSignatureCheck.TimestampOutsideTolerance => WebhookOutcome.SignatureExpired,
            _ => throw new InvalidOperationException($"unhandled signature check {check}"),
        };
        if (rejected is { } outcome) return Reject(outcome, "signature: " + check);

        if (!TryRead(body, out var e, out var problem))
            return Reject(WebhookOutcome.EventMalformed, "event: " + problem);
        if (e.Livemode is { } live && live != _options.Environment.IsLive())
            return await RefuseOtherModeAsync(e, live, ct);

        var envelope = new Envelope(e.Id, StripeEventReceived.MessageType, StripeEventReceived.SchemaVersion,
            e.Id, null, e.OccurredAt);
        var headers = new List<Header>(
            OutgoingMessage.EnvelopeHeaders(envelope)) { Header.Text(StripeEventReceived.EventTypeHeader, e.Type) };
        if (e.Account is not null) headers.Add(Header.Text(StripeEventReceived.AccountHeader, e.Account));
        var key = Encoding.UTF8.GetBytes(e.Key);
        var signed = _options.Signer.Sign(_options.Topic, key, headers, body);
        var message = new Message<byte[]?, byte[]?> { Key = key, Value = body, Headers = KafkaClients.Headers(signed) };

        var failure = await ProduceAsync(_options.Topic, message, e.Id, ct);
        if (failure is not null) return failure.Value;
        // Counted, and a line at Debug only: at a lock-time rush that is thousands a second, and the event itself
        // is on the topic with its id, type and key.
        WebhookTelemetry.Forwarded.Add(1, new KeyValuePair<string, object?>("type", e.Type));
        _logger.LogDebug("Stripe event {EventId} {EventType} for {Key} (account {Account}) forwarded to {Topic}",
            e.Id, e.Type, e.Key, e.Account, _options.Topic);
        return new WebhookAnswer(WebhookOutcome.Forwarded, e.Id);
    }

    /// <summary>
    /// A correctly signed event of the other mode: Stripe is sending live events to a test
    /// stack or test events to production (a webhook endpoint or a secret configured across
    /// environments). It is refused, and an operator is told once per event (the alert's id is
    /// the event's). If the alert cannot be delivered the answer is 503, so Stripe retries and
    /// the alert gets another chance.
    /// </summary>
    private async Task<WebhookAnswer> RefuseOtherModeAsync(ReadEvent e, bool live, CancellationToken ct)
    {
        var environment = DeploymentEnvironments.Name(_options.Environment);
        var detail = $"event {e.Id} ({e.Type}) is {(live ? "live" : "test")}-mode and this receiver runs in " +
            $"{environment}: test money never meets live money";
        var id = AlertRaised.IdFor(Source, "livemode_mismatch", e.Id);
        var now = _options.Clock.GetUtcNow();
        var alert = OutgoingMessage.Create(_options.AlertsTopic, Source,
            new Envelope(id, AlertRaised.MessageType, AlertRaised.SchemaVersion, e.Id, e.Id, now),
            new AlertRaised(id, Source, AlertSeverities.Critical, "livemode_mismatch", e.Id,
                detail + "; check which Stripe account and webhook secret this endpoint is given", now));
        var failure = await ProduceAsync(_options.AlertsTopic, KafkaClients.Message(alert, _options.Signer), e.Id, ct);
        return failure ?? Reject(WebhookOutcome.LivemodeMismatch, "livemode: " + detail);
    }

    /// <summary>Produces and waits for the acknowledgement; null when Kafka took it, else the 503 to answer.</summary>
    private async Task<WebhookAnswer?> ProduceAsync(string topic, Message<byte[]?, byte[]?> message, string eventId,
        CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.DeliveryTimeout);
        try
        {
            await _producer.ProduceAsync(topic, message, timeout.Token);
            return null;
        }
        catch (ProduceException<byte[]?, byte[]?> x)
        {
            if (x.Error.IsFatal)
            {
                // A fatal idempotent-producer error leaves this producer unusable: stop, so a
                // fresh process takes over, instead of answering 503 forever.
                _logger.LogCritical("Kafka producer failed fatally on Stripe event {EventId}: {Reason}; stopping",
                    eventId, x.Error.Reason);
                FailedFatally = true;
                _onFatal();
            }
            return Unavailable(eventId, x.Error.Reason);
        }
        catch (KafkaException x)
        {
            return Unavailable(eventId, x.Error.Reason);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Unavailable(eventId, $"no acknowledgement within {_options.DeliveryTimeout.TotalSeconds} s");
        }
    }

    /// <summary>Counted always; logged only at a bounded rate (see <see cref="WebhookRejections"/>).</summary>
    public WebhookAnswer Reject(WebhookOutcome outcome, string detail)
    {
        if (_rejections.Count(outcome, detail) is { } line) _logger.LogWarning("{Line}", line);
        return new WebhookAnswer(outcome, detail);
    }

    private WebhookAnswer Unavailable(string eventId, string reason)
    {
        _logger.LogWarning("Stripe event {EventId} not forwarded, Stripe will retry: {Reason}", eventId, reason);
        return new WebhookAnswer(WebhookOutcome.KafkaUnavailable, "kafka: " + reason);
    }

    /// <summary>
    /// What the message needs from the event, read from its envelope alone
    /// (<see cref="StripeEventReader.TryReadEnvelope"/>): its id and type (required), the key (the id of the object
    /// it is about, else the event's own id), the connected account, when it was created (else now) and its mode.
    /// Nothing else is looked at, and the event is not read as Stripe.net would read it: whether it is usable is
    /// its consumers' to say, and they dead-letter one they cannot read with the reason (refusing it here would only
    /// have Stripe retry it). Reading it whole here was about a third of the receiver's CPU at a lock-time rush.
    /// </summary>
    private sealed record ReadEvent(string Id, string Type, string Key, string? Account, DateTimeOffset OccurredAt,
        bool? Livemode);

    private bool TryRead(byte[] body, out ReadEvent e, out string problem)
    {
        if (!StripeEventReader.TryReadEnvelope(body, out var envelope, out problem))
        {
            e = null!;
            return false;
        }
        e = new ReadEvent(envelope.Id, envelope.Type, envelope.ObjectId ?? envelope.Id, envelope.Account,
            envelope.Created ?? _options.Clock.GetUtcNow(), envelope.Livemode);
        return true;
    }

    public void Dispose()
    {
        if (_rejections.Unlogged() is { } line) _logger.LogWarning("{Line}", line);
        // Requests answer only after their acknowledgement, so anything still queued belongs
        // to a request already answered 503: Stripe will send it again.
        _producer.Flush(TimeSpan.FromSeconds(1));
        _producer.Dispose();
    }
}
