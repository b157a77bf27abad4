using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

using ContestPipeline.Webhooks.Domain;
using ContestPipeline.Webhooks.Extensions;
using Header = ContestPipeline.Plumbing.Messaging.Header;

namespace ContestPipeline.Webhooks.Handlers;

/// <summary>
/// Turns one verified webhook body into one message on <c>stripe.events</c>. Nothing else
/// happens in the request: the event's effects belong to its consumers, which read it
/// through their inbox, so Stripe's duplicates (same event id, same message id) apply once.
/// </summary>
public sealed class StripeEventForwarder : IDisposable
{
    private readonly WebhookReceiverOptions _options;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly ILogger _logger;
    private readonly Action _onFatal;

    public StripeEventForwarder(WebhookReceiverOptions options, Action onFatal)
    {
        _options = options;
        _onFatal = onFatal;
        _logger = options.LoggerFactory.CreateLogger<StripeEventForwarder>();
        var config = KafkaClients.ProducerConfig(options.BootstrapServers, "webhooks");
        // librdkafka gives up on the message when the request does, so a 503 is not
        // followed by a late delivery of the same attempt (which would only be a harmless
        // duplicate, but there is no reason to make one).
        config.MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds;
        _producer = KafkaClients.Producer(config, _logger);
    }

    /// <summary>Set when the producer failed fatally and the receiver was told to stop.</summary>
    public bool FailedFatally { get; private set; }

    public async Task<WebhookAnswer> ForwardAsync(byte[] body, string? signature, CancellationToken ct)
    {
        var check = StripeWebhookSignature.Verify(body, signature, _options.SigningSecrets, _options.Clock.GetUtcNow(), _options.Tolerance);
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

        if (!TryRead(body, out var e, out var problem)) return Reject(WebhookOutcome.EventMalformed, "event: " + problem);

        var envelope = new Envelope(e.Id, StripeEventReceived.MessageType, StripeEventReceived.SchemaVersion,
            e.Id, null, e.OccurredAt);
        var headers = new List<Header>(OutgoingMessage.EnvelopeHeaders(envelope)) { Header.Text(StripeEventReceived.EventTypeHeader, e.Type) };
        if (e.Account is not null) headers.Add(Header.Text(StripeEventReceived.AccountHeader, e.Account));
        var key = Encoding.UTF8.GetBytes(e.ObjectId);
        var signed = _options.Signer.Sign(_options.Topic, key, headers, body);
        var message = new Message<byte[]?, byte[]?> { Key = key, Value = body, Headers = KafkaClients.Headers(signed) };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.DeliveryTimeout);
        try
        {
            var report = await _producer.ProduceAsync(_options.Topic, message, timeout.Token);
            _logger.LogInformation("Stripe event {EventId} {EventType} for {ObjectId} (account {Account}) forwarded to {Topic} [{Partition}] @{Offset}",
                e.Id, e.Type, e.ObjectId, e.Account, report.Topic, report.Partition.Value, report.Offset.Value);
            return new WebhookAnswer(WebhookOutcome.Forwarded, e.Id);
        }
        catch (ProduceException<byte[]?, byte[]?> x)
        {
            if (x.Error.IsFatal)
            {
                // A fatal idempotent-producer error leaves this producer unusable: stop, so a
                // fresh process takes over, instead of answering 503 forever.
                _logger.LogCritical("Kafka producer failed fatally on Stripe event {EventId}: {Reason}; stopping", e.Id, x.Error.Reason);
                FailedFatally = true;
                _onFatal();
            }
            return Unavailable(e.Id, x.Error.Reason);
        }
        catch (KafkaException x)
        {
            return Unavailable(e.Id, x.Error.Reason);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Unavailable(e.Id, $"no acknowledgement within {_options.DeliveryTimeout.TotalSeconds} s");
        }
    }

    private WebhookAnswer Reject(WebhookOutcome outcome, string detail)
    {
        _logger.LogWarning("Stripe webhook rejected: {Outcome} ({Detail})", outcome, detail);
        return new WebhookAnswer(outcome, detail);
    }

    private WebhookAnswer Unavailable(string eventId, string reason)
    {
        _logger.LogWarning("Stripe event {EventId} not forwarded, Stripe will retry: {Reason}", eventId, reason);
        return new WebhookAnswer(WebhookOutcome.KafkaUnavailable, "kafka: " + reason);
    }

    private sealed record ReadEvent(string Id, string Type, string ObjectId, string? Account, DateTimeOffset OccurredAt);

    /// <summary>
    /// The fields the message needs; anything else in the body is the consumer's business.
    /// Unknown event types pass: which types matter is decided where they are consumed.
    /// </summary>
    private static bool TryRead(byte[] body, out ReadEvent e, out string problem)
    {
        e = null!;
        StripeEvent parsed;
        try
        {
            parsed = StripeEvent.Parse(body);
        }
        catch (JsonException x)
        {
            problem = "not a Stripe event: " + x.Message;
            return false;
        }
        if (string.IsNullOrWhiteSpace(parsed.Id)) return Fail("no id", out problem);
        if (string.IsNullOrWhiteSpace(parsed.Type)) return Fail("no type", out problem);
        if (parsed.Data.Object.ValueKind != JsonValueKind.Object
            || !parsed.Data.Object.TryGetProperty("id", out var objectId)
            || objectId.ValueKind != JsonValueKind.String
            || string.IsNullOrWhiteSpace(objectId.GetString()))
            return Fail("no data.object.id", out problem);
        // Unix seconds a DateTimeOffset can hold; Stripe's are always well inside.
        if (parsed.Created < 0 || parsed.Created > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            return Fail("created out of range", out problem);
        e = new ReadEvent(parsed.Id, parsed.Type, objectId.GetString()!, parsed.Account,
            DateTimeOffset.FromUnixTimeSeconds(parsed.Created));
        problem = "";
        return true;
    }

    private static bool Fail(string why, out string problem)
    {
        problem = why;
        return false;
    }

    public void Dispose()
    {
        // Requests answer only after their acknowledgement, so anything still queued belongs
        // to a request already answered 503: Stripe will send it again.
        _producer.Flush(TimeSpan.FromSeconds(1));
        _producer.Dispose();
    }
}
