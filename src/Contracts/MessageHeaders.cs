namespace ContestPipeline.Contracts;

/// <summary>
/// Kafka header names. Every message carries the envelope headers; a dead letter also
/// carries the dead-letter headers naming why and where it came from.
/// </summary>
public static class MessageHeaders
{
    public const string MessageId = "message-id";
    public const string Type = "type";
    public const string SchemaVersion = "schema-version";
    public const string CorrelationId = "correlation-id";
    public const string CausationId = "causation-id";
    /// <summary>ISO-8601 UTC timestamp, e.g. 2026-11-21T14:00:00.000Z.</summary>
    public const string OccurredAt = "occurred-at";

    /// <summary>Who signed the message: a name from <c>Authentication.Producers</c>.</summary>
    public const string Producer = "producer";
    /// <summary>Which of the producer's keys signed it (several are accepted while a key is rolled).</summary>
    public const string KeyId = "key-id";
    /// <summary>HMAC-SHA256 of the message's canonical encoding under that key, 64 lower-case hex digits (docs/topics/README.md).</summary>
    public const string Signature = "signature";

    /// <summary>What every dead-letter header's name starts with; a re-drive leaves them all off.</summary>
    public const string DeadLetterPrefix = "dlq-";
    public const string DeadLetterReason = "dlq-reason";
    public const string DeadLetterException = "dlq-exception";
    public const string DeadLetterConsumer = "dlq-consumer";
    public const string DeadLetterAttempts = "dlq-attempts";
    public const string DeadLetterOriginalTopic = "dlq-original-topic";
    public const string DeadLetterOriginalPartition = "dlq-original-partition";
    public const string DeadLetterOriginalOffset = "dlq-original-offset";
    /// <summary>What of the original a dead letter leaves out because it would not fit in a message (a body, a header, a key), and where the original is.</summary>
    public const string DeadLetterOmitted = "dlq-omitted";
}
