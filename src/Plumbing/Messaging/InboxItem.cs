using Confluent.Kafka;
using ContestPipeline.Contracts.Alerts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// One consumed record as the consume loop sees it: where it came from, the id it is known by in the
/// inbox, the message read from it and its handler, or why it is refused. A refused item is still
/// claimed in the inbox (as dead-lettered), so a replay of it is recognised as seen.
/// </summary>
internal sealed record InboxItem(
    ConsumeResult<byte[]?, byte[]?> Result,
    IReadOnlyList<Header> Headers,
    string InboxId,
    string Where,
    IncomingMessage? Message,
    IMessageHandler? Handler,
    string? Rejection)
{
    /// <summary>Applied, dead-lettered or skipped as seen, and committed: its offset may be stored.</summary>
    public bool Done { get; set; }

    /// <summary>
    /// The alert a refusal raises: a warning for bad input, critical for a message that is not authentic.
    /// </summary>
    public string RejectionSeverity { get; init; } = AlertSeverities.Warning;
    public string AlertCode { get; init; } = "dead_letter";

    /// <summary>
    /// The delivery carries an operator's re-drive grant for its message id that verifies: it may apply a message
    /// this consumer dead-lettered. Without one such a message is skipped (a replay does not re-apply it).
    /// </summary>
    public bool Granted { get; init; }

    /// <summary>
    /// Reads a consumed record: authentic, with an envelope, not too large, of a type this consumer handles
    /// in a schema version it reads. Anything else is an item refused with its reason.
    /// </summary>
    public static InboxItem Classify(ConsumeResult<byte[]?, byte[]?> r, MessageVerifier verifier,
        IReadOnlyDictionary<string, IMessageHandler> handlers)
    {
        var headers = IncomingMessage.HeadersOf(r.Message.Headers);
        var where = $"{r.Topic}/{r.Partition.Value}@{r.Offset.Value}";
        // Without a usable message id the Kafka coordinates stand in, so even a replay of
        // the bad message is recognised as seen.
        var fallbackId = $"kafka:{where}";
        // Nothing of a message that is not authentic is trusted, its message id included: it
        // is dead-lettered under its coordinates, so it can neither claim nor shadow the inbox
        // row of a genuine message with the same id, and is refused again wherever it is read.
        var refusal = verifier.Refusal(r.Topic, r.Message.Key, headers, r.Message.Value, out var signedBy,
            out var producer);
        if (refusal is not null)
        {
            var claimed = IncomingMessage.ParseEnvelope(headers, r.Message.Timestamp.UtcDateTime, out _);
            var shown = claimed is null ? null : new IncomingMessage
            {
                Topic = r.Topic, Partition = r.Partition.Value, Offset = r.Offset.Value,
                RawKey = r.Message.Key, Value = r.Message.Value, Headers = headers,
                Envelope = claimed with { MessageId = fallbackId, CorrelationId = fallbackId, CausationId = null },
            };
            return new InboxItem(r, headers, fallbackId, where, shown, null, refusal)
            {
                RejectionSeverity = AlertSeverities.Critical, AlertCode = MessageVerifier.Refused,
            };
        }
        var envelope = IncomingMessage.ParseEnvelope(headers, r.Message.Timestamp.UtcDateTime, out var reason);
        if (envelope is null) return new InboxItem(r, headers, fallbackId, where, null, null, reason);
        var message = new IncomingMessage
        {
            Topic = r.Topic, Partition = r.Partition.Value, Offset = r.Offset.Value,
            RawKey = r.Message.Key, Value = r.Message.Value, Headers = headers, Envelope = envelope,
            Operator = signedBy, Producer = producer,
            KafkaTimestamp = r.Message.Timestamp.Type == TimestampType.NotAvailable
                ? null : new DateTimeOffset(r.Message.Timestamp.UtcDateTime, TimeSpan.Zero),
        };
        // A grant is read only on a signed topic, where the message itself verified as its producer's.
        var granted = verifier.Checks(r.Topic) && verifier.GrantRefusal(headers, envelope.MessageId, out _) is null;
        // Not read at all: nothing the pipeline writes is this large, and what it would make of it
        // could not be published.
        var size = OutgoingMessage.WireBytesOf(r.Message.Key, r.Message.Value, headers);
        if (size > Limits.MessageBytesMax)
            return new InboxItem(r, headers, envelope.MessageId, where, message, null,
                string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"message of {size:N0} bytes; at most {Limits.MessageBytesMax:N0} are read")) { Granted = granted };
        if (!handlers.TryGetValue(envelope.Type, out var handler))
            return new InboxItem(r, headers, envelope.MessageId, where, message, null,
                $"unknown message type '{envelope.Type}' on {r.Topic}") { Granted = granted };
        if (envelope.SchemaVersion > handler.SchemaVersionMax)
            return new InboxItem(r, headers, envelope.MessageId, where, message, null,
                $"schema version {envelope.SchemaVersion} of {envelope.Type} is newer than this consumer reads "
                + $"(at most {handler.SchemaVersionMax})") { Granted = granted };
        var inboxId = handler.KeyedByContent ? ContentKeyed(envelope.MessageId, r.Message.Value) : envelope.MessageId;
        return new InboxItem(r, headers, inboxId, where, message, handler, null) { Granted = granted };
    }

    /// <summary>A message id with the first 16 hex digits of its body's SHA-256 (see
    /// <see cref="IMessageHandler.KeyedByContent"/>).</summary>
    internal static string ContentKeyed(string messageId, byte[]? body) =>
        $"{messageId}#{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body ?? []))[..16]}";

    /// <summary>
    /// The message's coordinates for the log lines written while it is handled (JSON logs carry them as fields).
    /// </summary>
    public Dictionary<string, object?> LogScope() => new(StringComparer.Ordinal)
    {
        ["MessageId"] = InboxId,
        ["MessageType"] = Message?.Envelope.Type,
        ["CorrelationId"] = Message?.Envelope.CorrelationId,
        ["CausationId"] = Message?.Envelope.CausationId,
        ["Topic"] = Result.Topic,
        ["Partition"] = Result.Partition.Value,
        ["Offset"] = Result.Offset.Value,
    };
}
