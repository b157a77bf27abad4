using System.Globalization;
using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// A message waiting in the outbox. <see cref="OutboxId"/> is its idempotency key in the
/// outbox (normally the envelope's message id).
/// </summary>
public sealed record OutgoingMessage(
    string OutboxId,
    string Topic,
    byte[]? Key,
    string MessageType,
    byte[]? Payload,
    IReadOnlyList<Header> Headers)
{
    /// <summary>
    /// When set, a second message under the same outbox id is dropped even if its content
    /// differs (an alert raised again at another time is the same alert); otherwise that
    /// is a bug in the id and is refused.
    /// </summary>
    public bool FirstWins { get; init; }

    /// <summary>
    /// When set, the publisher's own writes in the same transaction make this id new: a row it
    /// inserted under a unique key that names the message (a payout and its order). The outbox
    /// then writes it by binary COPY, with no lookup of an earlier copy; one already there under
    /// the id is a bug in that guarantee and fails the transaction (<see cref="OutboxStore"/>).
    /// </summary>
    public bool New { get; init; }

    /// <summary>
    /// How every message body is written and read. Reading is strict: a missing constructor
    /// field or a null where the record says non-null is an unreadable body, never a silent
    /// default (a stat update without its value must not read as a total of zero); so is a
    /// field written twice (one reader would take the first value, another the last) and a
    /// timestamp without an offset (it would mean whatever the reading machine's zone is).
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        AllowDuplicateProperties = false,
        Converters = { new OffsetTimestampConverter() },
    };

    /// <summary>
    /// Its size on the wire, over-estimated: key, body, header names and values, and the
    /// record's framing (generously, per header too), as librdkafka counts it against
    /// message.max.bytes.
    /// </summary>
    public long WireBytes => WireBytesOf(Key, Payload, Headers);

    public static long WireBytesOf(byte[]? key, byte[]? payload, IReadOnlyList<Header> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        long size = 128 + (key?.Length ?? 0) + (payload?.Length ?? 0);
        foreach (var h in headers) size += 16 + Encoding.UTF8.GetByteCount(h.Name) + h.Value.Length;
        return size;
    }

    /// <summary>A message with the envelope headers and a JSON body.</summary>
    public static OutgoingMessage Create<T>(string topic, string key, Envelope envelope, T body) =>
        new(envelope.MessageId, topic, Encoding.UTF8.GetBytes(key), envelope.Type,
            JsonSerializer.SerializeToUtf8Bytes(body, Json), EnvelopeHeaders(envelope));

    public static IReadOnlyList<Header> EnvelopeHeaders(Envelope e)
    {
        var headers = new List<Header>(6)
        {
            Header.Text(MessageHeaders.MessageId, e.MessageId),
            Header.Text(MessageHeaders.Type, e.Type),
            Header.Text(MessageHeaders.SchemaVersion, e.SchemaVersion.ToString(CultureInfo.InvariantCulture)),
            Header.Text(MessageHeaders.CorrelationId, e.CorrelationId),
        };
        if (e.CausationId is not null) headers.Add(Header.Text(MessageHeaders.CausationId, e.CausationId));
        headers.Add(Header.Text(MessageHeaders.OccurredAt, Envelope.FormatTimestamp(e.OccurredAt)));
        return headers;
    }
}
