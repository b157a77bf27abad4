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
    /// <summary>
    /// One signature per consuming service: comma-separated <c>&lt;consumer&gt;:&lt;key id&gt;:&lt;hex&gt;</c>, each
    /// HMAC-SHA256 of the message's canonical encoding under the key the producer shares with that
    /// consumer, 64 lower-case hex digits (docs/topics/README.md, "Authentication").
    /// </summary>
    public const string Signatures = "signatures";
    /// <summary>
    /// On a message produced as <c>operator</c>: the operator who decided it, a name whose own key signed it
    /// (<see cref="OperatorSignatures"/>). A consumer takes the operator from the key that verifies, never from a body.
    /// </summary>
    public const string Operator = "operator";
    /// <summary>
    /// The operator's own signatures, one per consuming service, in the form of <see cref="Signatures"/>:
    /// each under the key that operator's key gives that consumer alone (docs/trust-boundary.md, "Operator keys").
    /// </summary>
    public const string OperatorSignatures = "operator-signatures";
    /// <summary>Before pairwise keys: which of the producer's own keys signed it. No longer written; refused.</summary>
    public const string KeyId = "key-id";
    /// <summary>
    /// Before pairwise keys: the one signature under the producer's own key. No longer written; refused.
    /// </summary>
    public const string Signature = "signature";

    /// <summary>
    /// On a re-driven message only: an operator's signed statement that this message id, dead-lettered at the
    /// position it names, may be applied again. Without it a consumer skips a message it dead-lettered.
    /// </summary>
    public const string RedriveGrant = "redrive-grant";

    /// <summary>What every dead-letter header's name starts with; a re-drive leaves them all off.</summary>
    public const string DeadLetterPrefix = "dlq-";
    public const string DeadLetterReason = "dlq-reason";
    public const string DeadLetterException = "dlq-exception";
    public const string DeadLetterConsumer = "dlq-consumer";
    public const string DeadLetterAttempts = "dlq-attempts";
    public const string DeadLetterOriginalTopic = "dlq-original-topic";
    public const string DeadLetterOriginalPartition = "dlq-original-partition";
    public const string DeadLetterOriginalOffset = "dlq-original-offset";
    /// <summary>
    /// What of the original a dead letter leaves out because it would not fit in a message (a body, a header, a key),
    /// and where the original is.
    /// </summary>
    public const string DeadLetterOmitted = "dlq-omitted";
}
