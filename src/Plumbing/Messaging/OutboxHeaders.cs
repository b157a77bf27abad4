using System.Buffers.Binary;
using System.Text;
using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// An outbox row's headers in a compact binary form (the <c>header_bytes</c> column): a known
/// header name is one byte, a value equal to the row's message id or type is not stored again,
/// a value repeating the previous header's (a causation id that is the correlation id) is one
/// byte, and the envelope's timestamp is eight. The envelope headers of a typical message take
/// about 40 bytes where their jsonb took 360. Any header and any bytes round-trip exactly: what
/// does not match a shorthand is stored as it is.
/// </summary>
/// <remarks>
/// Layout: a format byte (1), then per header a name token (0: a literal name follows as a
/// 7-bit-encoded length and UTF-8; k ≥ 1: <see cref="Names"/>[k − 1]) and a value token (0: a
/// literal follows as a length and bytes; 1: the row's message id; 2: the row's message type;
/// 3: the previous header's value; 4: eight bytes of Unix milliseconds, written as
/// <see cref="Envelope.FormatTimestamp"/> writes it). Rows already written are read with this
/// table, so <see cref="Names"/> is only ever appended to.
/// </remarks>
public static class OutboxHeaders
{
    private const byte Format = 1;
    private const byte Literal = 0, RowMessageId = 1, RowMessageType = 2, SameAsPrevious = 3, Timestamp = 4;

    private static readonly string[] Names =
    [
        MessageHeaders.MessageId, MessageHeaders.Type, MessageHeaders.SchemaVersion, MessageHeaders.CorrelationId,
        MessageHeaders.CausationId, MessageHeaders.OccurredAt, MessageHeaders.Producer, MessageHeaders.Operator,
        MessageHeaders.DeadLetterReason, MessageHeaders.DeadLetterException, MessageHeaders.DeadLetterConsumer,
        MessageHeaders.DeadLetterAttempts, MessageHeaders.DeadLetterOriginalTopic,
        MessageHeaders.DeadLetterOriginalPartition, MessageHeaders.DeadLetterOriginalOffset,
        MessageHeaders.DeadLetterOmitted, "traceparent", "tracestate",
    ];

    private static readonly Dictionary<string, byte> NameTokens =
        Names.Select((name, i) => (name, token: (byte)(i + 1)))
            .ToDictionary(p => p.name, p => p.token, StringComparer.Ordinal);

    public static byte[] Write(IReadOnlyList<Header> headers, string messageId, string messageType)
    {
        ArgumentNullException.ThrowIfNull(headers);
        using var buffer = new MemoryStream(64);
        using var w = new BinaryWriter(buffer, Encoding.UTF8);
        w.Write(Format);
        byte[]? previous = null;
        foreach (var h in headers)
        {
            if (NameTokens.TryGetValue(h.Name, out var token)) w.Write(token);
            else
            {
                w.Write(Literal);
                w.Write(h.Name);
            }
            WriteValue(w, h.Value, previous, messageId, messageType);
            previous = h.Value;
        }
        w.Flush();
        return buffer.ToArray();
    }

    public static List<Header> Read(byte[] bytes, string messageId, string messageType)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        if (bytes.Length == 0 || r.ReadByte() != Format)
            throw new InvalidDataException(
                $"outbox headers of {messageId}: not in format {Format} "
                + $"(first byte {(bytes.Length == 0 ? "missing" : bytes[0])})");
        var headers = new List<Header>(6);
        byte[]? previous = null;
        try
        {
            while (r.BaseStream.Position < bytes.Length)
            {
                var nameToken = r.ReadByte();
                var name = nameToken == Literal ? r.ReadString()
                    : nameToken <= Names.Length ? Names[nameToken - 1]
                    : throw new InvalidDataException($"outbox headers of {messageId}: unknown name token {nameToken}");
                var value = ReadValue(r, previous, messageId, messageType);
                headers.Add(new Header(name, value));
                previous = value;
            }
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"outbox headers of {messageId}: cut short after {headers.Count} headers");
        }
        return headers;
    }

    private static void WriteValue(BinaryWriter w, byte[] value, byte[]? previous, string messageId, string messageType)
    {
        if (Same(value, messageId)) w.Write(RowMessageId);
        else if (Same(value, messageType)) w.Write(RowMessageType);
        else if (previous is not null && value.AsSpan().SequenceEqual(previous)) w.Write(SameAsPrevious);
        else if (TryTimestamp(value, out var ms))
        {
            w.Write(Timestamp);
            Span<byte> eight = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(eight, ms);
            w.Write(eight);
        }
        else
        {
            w.Write(Literal);
            w.Write7BitEncodedInt(value.Length);
            w.Write(value);
        }
    }

    private static byte[] ReadValue(BinaryReader r, byte[]? previous, string messageId, string messageType)
    {
        var token = r.ReadByte();
        switch (token)
        {
            case Literal:
                var length = r.Read7BitEncodedInt();
                var value = r.ReadBytes(length);
                if (value.Length != length)
                    throw new InvalidDataException($"outbox headers of {messageId}: a value is cut short");
                return value;
            case RowMessageId: return Encoding.UTF8.GetBytes(messageId);
            case RowMessageType: return Encoding.UTF8.GetBytes(messageType);
            case SameAsPrevious:
                return previous
                    ?? throw new InvalidDataException($"outbox headers of {messageId}: the first value repeats none");
            case Timestamp:
                var eight = r.ReadBytes(8);
                if (eight.Length != 8) throw new EndOfStreamException();
                var ms = BinaryPrimitives.ReadInt64BigEndian(eight);
                return Encoding.UTF8.GetBytes(Envelope.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(ms)));
            default:
                throw new InvalidDataException($"outbox headers of {messageId}: unknown value token {token}");
        }
    }

    private static bool Same(byte[] value, string text) =>
        value.Length == Encoding.UTF8.GetByteCount(text) && value.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(text));

    /// <summary>A timestamp that the envelope's own format writes back to exactly these bytes.</summary>
    private static bool TryTimestamp(byte[] value, out long ms)
    {
        ms = 0;
        if (value.Length != 24 || value[^1] != (byte)'Z') return false;
        var text = Encoding.UTF8.GetString(value);
        if (!Envelope.TryParseTimestamp(text, out var at)) return false;
        ms = at.ToUnixTimeMilliseconds();
        return Envelope.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(ms)) == text;
    }
}
