using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>One Kafka header; values are bytes on the wire.</summary>
public readonly record struct Header(string Name, byte[] Value)
{
    public static Header Text(string name, string value) => new(name, Encoding.UTF8.GetBytes(value));
}

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
    /// the id is a bug in that guarantee and fails the transaction (<see cref="Outbox"/>).
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

/// <summary>
/// Headers as jsonb: readable text where the bytes are UTF-8, base64 where they are not (a dead
/// letter keeps a hostile producer's bytes). Ingestion keeps feed and contest rows' headers so;
/// the outbox did until its compact form (<see cref="OutboxHeaders"/>), and reads older rows so.
/// </summary>
public static class HeaderJson
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static string Write(IReadOnlyList<Header> headers)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var h in headers)
            {
                w.WriteStartObject();
                w.WriteString("name", h.Name);
                if (TryText(h.Value, out var text)) w.WriteString("value", text);
                else w.WriteBase64String("base64", h.Value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static List<Header> Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<Header>(doc.RootElement.GetArrayLength());
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var name = e.GetProperty("name").GetString()!;
            var value = e.TryGetProperty("value", out var v)
                ? Encoding.UTF8.GetBytes(v.GetString()!)
                : e.GetProperty("base64").GetBytesFromBase64();
            list.Add(new Header(name, value));
        }
        return list;
    }

    private static bool TryText(byte[] bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}

/// <summary>
/// Timestamps as the topics' contract has them: ISO 8601 with a date, a time and an offset
/// (<c>Z</c> or <c>±hh:mm</c>), e.g. <c>2026-11-22T18:02:41.25+00:00</c>. System.Text.Json alone
/// also reads a date without a time, or a time without an offset, in the reading machine's
/// zone, and a fraction point without digits; here those are unreadable. Fraction digits
/// beyond seven (ticks) are cut, as System.Text.Json cuts them. Written exactly as
/// System.Text.Json writes them.
/// </summary>
public sealed partial class OffsetTimestampConverter : JsonConverter<DateTimeOffset>
{
    public const string Grammar = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:\d{2})?)$";

    [GeneratedRegex(Grammar, RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601WithOffset();

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"a timestamp is a string, not {reader.TokenType}");
        // Unescaped first: System.Text.Json's own writer escapes '+' as \u002B.
        var text = reader.GetString();
        if (text is null || text.Length > 64 || !Iso8601WithOffset().IsMatch(text)
            || !reader.TryGetDateTimeOffset(out var value))
            throw new JsonException("a timestamp is ISO 8601 with a date, a time and an offset (Z or +hh:mm), "
                + "e.g. 2026-11-22T18:00:00+00:00");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);
}
