using System.Text.Json.Nodes;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;

namespace ContestPipeline.Cpctl.ContractDocs;

/// <summary>
/// The Kafka headers as schemas (docs/topics/README.md, "Headers"; dead-letters.md): every value
/// is UTF-8 text. The envelope on every message; the authentication headers on the signed
/// topics; a dead letter's own headers on top of its original's.
/// </summary>
public static class HeaderSchemas
{
    /// <summary>
    /// occurred-at's one format: yyyy-MM-ddTHH:mm:ss.fffZ, exactly three fraction digits (Envelope.TimestampFormat).
    /// </summary>
    public const string OccurredAtPattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$";

    private static readonly (string Name, bool Required, JsonObject Schema)[] EnvelopeHeaders =
    [
        (MessageHeaders.MessageId, true,
            Text("The message's unique id, deterministic where the fact has a natural id.", 1, 200)),
        (MessageHeaders.Type, true, Text("The message type, as named on the topic's page.", 1, null)),
        (MessageHeaders.SchemaVersion, true,
            Pattern("The body's schema version, a positive decimal integer.", "^[1-9][0-9]*$")),
        (MessageHeaders.CorrelationId, false, Text(
            "Ties together everything caused by one origin; consumers use message-id when it is missing.", 1, null)),
        (MessageHeaders.CausationId, false, Text(
            "The message-id of the message that caused this one; omitted on an origin message.", 1, null)),
        (MessageHeaders.OccurredAt, false, Pattern(
            "When the fact happened, UTC, yyyy-MM-ddTHH:mm:ss.fffZ; the Kafka timestamp is used when it is missing.",
            OccurredAtPattern)),
    ];

    /// <summary>One consumer's entry in <c>signatures</c>: consumer, key id, HMAC.</summary>
    private const string SignatureEntry = "[A-Za-z0-9][A-Za-z0-9._-]*:[A-Za-z0-9][A-Za-z0-9._-]*:[0-9a-f]{64}";

    private static readonly (string Name, bool Required, JsonObject Schema)[] AuthenticationHeaders =
    [
        (MessageHeaders.Producer, true,
            Enum("Who signed it (src/Contracts/Authentication/Producers.cs).", Producers.All)),
        (MessageHeaders.Signatures, true, Pattern(
            "One signature per consuming service, comma-separated, each <consumer>:<key id>:<HMAC-SHA256 of the " +
            "message's canonical encoding for that consumer under the key the producer shares with it, " +
            "lower-case hex> " +
            "(docs/topics/README.md, \"Authentication\").",
            $"^{SignatureEntry}(,{SignatureEntry})*$")),
        (MessageHeaders.RedriveGrant, false, Text(
            "Only on a re-driven dead letter: an operator's signed grant to apply this message id again, JSON " +
            "(src/Plumbing/Messaging/RedriveGrant.cs; docs/topics/README.md, \"Headers\"). Without one that " +
            "verifies, a message its consumer dead-lettered before is skipped.", 1, null)),
    ];

    private static readonly (string Name, bool Required, JsonObject Schema)[] DeadLetterHeaders =
    [
        (MessageHeaders.DeadLetterReason, true, Text("Why, in one line of at most 4,000 characters.", 1, null)),
        (MessageHeaders.DeadLetterConsumer, true, Text("The consumer that gave up, e.g. ingestion.feed.", 1, null)),
        (MessageHeaders.DeadLetterAttempts, true,
            Pattern("How many times the consumer tried to apply it, in decimal.", "^[0-9]+$")),
        (MessageHeaders.DeadLetterOriginalTopic, true, Text("The topic it was consumed from.", 1, null)),
        (MessageHeaders.DeadLetterOriginalPartition, true, Pattern("Its partition there, in decimal.", "^[0-9]+$")),
        (MessageHeaders.DeadLetterOriginalOffset, true, Pattern("Its offset there, in decimal.", "^[0-9]+$")),
        (MessageHeaders.DeadLetterOmitted, false, Text(
            "Present only when the original would not fit: what was left out and where the original is.", 1, null)),
        (MessageHeaders.DeadLetterException, false,
            Text("No longer written; older dead letters may carry it.", null, null)),
    ];

    public static JsonObject Envelope() => Object("The envelope headers every message carries.", EnvelopeHeaders);

    public static JsonObject Signed() => Object(
        "The envelope headers and the authentication headers every message on an internal (signed) topic carries.",
        [.. EnvelopeHeaders, .. AuthenticationHeaders]);

    /// <summary>
    /// A dead letter keeps every original header (a signed original's signature included) but
    /// may be a message whose envelope was what made it unreadable, so only the dlq-* headers are required.
    /// </summary>
    public static JsonObject DeadLetter() => Object(
        "A dead letter's headers: the original's, as they were, and the dlq-* headers naming why " +
        "and where it came from.",
        [
            .. EnvelopeHeaders.Select(h => h with { Required = false }),
            .. AuthenticationHeaders.Select(h => h with { Required = false }),
            .. DeadLetterHeaders,
        ]);

    private static JsonObject Object(
        string description, (string Name, bool Required, JsonObject Schema)[] headers) => new()
    {
        ["type"] = "object",
        ["description"] = description,
        ["properties"] = new JsonObject(
            [.. headers.Select(h => KeyValuePair.Create(h.Name, (JsonNode?)h.Schema.DeepClone()))]),
        ["required"] = new JsonArray([.. headers.Where(h => h.Required).Select(h => (JsonNode)h.Name)]),
    };

    private static JsonObject Text(string description, int? min, int? max)
    {
        var o = new JsonObject { ["type"] = "string", ["description"] = description };
        if (min is { } lo) o["minLength"] = lo;
        if (max is { } hi) o["maxLength"] = hi;
        return o;
    }

    private static JsonObject Pattern(string description, string pattern) =>
        new() { ["type"] = "string", ["description"] = description, ["pattern"] = pattern };

    private static JsonObject Enum(string description, IEnumerable<string> values) =>
        new()
        {
            ["type"] = "string", ["description"] = description,
            ["enum"] = new JsonArray([.. values.Select(v => (JsonNode)v)]),
        };
}
