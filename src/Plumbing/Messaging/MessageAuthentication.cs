using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// What a message's signature covers, and how it is computed: HMAC-SHA256, under the
/// producer's key, of the message's canonical encoding. The encoding is a fixed label and
/// then eleven fields in this order, each written as a 4-byte big-endian length followed by
/// that many bytes, or as <c>FF FF FF FF</c> when the field is absent: the topic (UTF-8), the
/// key, the values of the headers <c>message-id</c>, <c>type</c>, <c>schema-version</c>,
/// <c>correlation-id</c>, <c>causation-id</c>, <c>occurred-at</c>, <c>producer</c> and
/// <c>key-id</c> (their bytes as on the wire), and the body. The label is the ASCII bytes
/// <c>contestpipeline.message.v1</c> and a newline. The <c>signature</c> header carries the
/// HMAC as 64 lower-case hex digits. Documented for producers in other languages in
/// docs/topics/README.md.
/// </summary>
public static class MessageSignature
{
    public static ReadOnlySpan<byte> Label => "contestpipeline.message.v1\n"u8;

    /// <summary>The headers whose values are signed, in the order they are encoded.</summary>
    public static IReadOnlyList<string> SignedHeaders { get; } =
    [
        MessageHeaders.MessageId, MessageHeaders.Type, MessageHeaders.SchemaVersion, MessageHeaders.CorrelationId,
        MessageHeaders.CausationId, MessageHeaders.OccurredAt, MessageHeaders.Producer, MessageHeaders.KeyId,
    ];

    private const int Absent = -1;
    public const int SignatureHexLength = 64;

    /// <summary>
    /// The signature of a message whose signed headers are <paramref name="signed"/> (in
    /// <see cref="SignedHeaders"/> order, null where absent).
    /// </summary>
    public static string Compute(byte[] secret, string topic, byte[]? key, ReadOnlySpan<byte[]?> signed, byte[]? body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(topic);
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        var length = Label.Length + 4 + topicLength + 4 + (key?.Length ?? 0) + 4 + (body?.Length ?? 0);
        foreach (var value in signed) length = checked(length + 4 + (value?.Length ?? 0));
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = buffer.AsSpan(0, length);
            Label.CopyTo(span);
            var at = Label.Length;
            BinaryPrimitives.WriteInt32BigEndian(span[at..], topicLength);
            at += 4 + Encoding.UTF8.GetBytes(topic, span[(at + 4)..]);
            at = Write(span, at, key);
            foreach (var value in signed) at = Write(span, at, value);
            at = Write(span, at, body);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(secret, span[..at], mac);
            return Convert.ToHexStringLower(mac);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Write(Span<byte> span, int at, byte[]? value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span[at..], value is null ? Absent : value.Length);
        value?.CopyTo(span[(at + 4)..]);
        return at + 4 + (value?.Length ?? 0);
    }

    /// <summary>True for the headers a producer adds when it signs (and removes before signing again).</summary>
    public static bool IsAuthenticationHeader(string name) =>
        name is MessageHeaders.Producer or MessageHeaders.KeyId or MessageHeaders.Signature;
}

/// <summary>
/// Signs one producer's messages on the internal topics of a <see cref="PublishRights"/>
/// table: adds <c>producer</c>, <c>key-id</c> and <c>signature</c> to the headers. Used by the
/// outbox relay (every row it publishes on an internal topic), the webhook receiver and the
/// operator tools. Messages on other topics (alerts, dead letters, canaries) are not signed:
/// a dead letter keeps its original's signature, so a re-drive still verifies.
/// </summary>
public sealed class MessageSigner(SigningKey key, PublishRights rights)
{
    private readonly byte[] _producer = Encoding.UTF8.GetBytes(key.Producer);
    private readonly byte[] _keyId = Encoding.UTF8.GetBytes(key.KeyId);

    public string Producer => key.Producer;
    public string KeyId => key.KeyId;

    /// <summary>Whether a message on <paramref name="topic"/> is signed.</summary>
    public bool Signs(string topic) => rights.Covers(topic);

    /// <summary>
    /// The headers with this producer's signature added (any earlier <c>producer</c>,
    /// <c>key-id</c> or <c>signature</c> replaced). A signed header that appears twice is a bug
    /// in the caller: a consumer would refuse the message.
    /// </summary>
    public List<Header> Sign(string topic, byte[]? messageKey, IReadOnlyList<Header> headers, byte[]? body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var kept = new List<Header>(headers.Count + 3);
        foreach (var h in headers)
            if (!MessageSignature.IsAuthenticationHeader(h.Name)) kept.Add(h);
        kept.Add(new Header(MessageHeaders.Producer, _producer));
        kept.Add(new Header(MessageHeaders.KeyId, _keyId));
        var signed = new byte[]?[MessageSignature.SignedHeaders.Count];
        for (var i = 0; i < signed.Length; i++)
        {
            foreach (var h in kept)
            {
                if (h.Name != MessageSignature.SignedHeaders[i]) continue;
                if (signed[i] is not null) throw new InvalidOperationException($"header {h.Name} appears twice in a message for {topic}; it cannot be signed");
                signed[i] = h.Value;
            }
        }
        kept.Add(Header.Text(MessageHeaders.Signature, MessageSignature.Compute(key.Secret, topic, messageKey, signed, body)));
        return kept;
    }
}

/// <summary>
/// Checks, before any handler runs, that a message on an internal topic was signed by a
/// producer the table allows for its type there, with a key of that producer this process
/// holds, over exactly its topic, key, signed headers and body. Anything else is refused with
/// a reason starting <c>unauthenticated</c>: unsigned, a signed header given twice, a producer
/// not allowed for the type, an unknown key, or a signature that does not match (altered, signed
/// with another key, or moved to another topic or key). Messages on other topics pass unchecked.
/// </summary>
public sealed class MessageVerifier(SigningKeys keys, PublishRights rights)
{
    public const string Refused = "unauthenticated";

    /// <summary>Holds no key: refuses every message on an internal topic (a consumer not given keys).</summary>
    public static MessageVerifier NoKeys { get; } = new(SigningKeys.None, PublishRights.Pipeline);

    public bool Checks(string topic) => rights.Covers(topic);

    /// <summary>Null when the message is authentic or its topic is not checked; otherwise why not, starting with <see cref="Refused"/>.</summary>
    public string? Refusal(string topic, byte[]? messageKey, IReadOnlyList<Header> headers, byte[]? body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!rights.Covers(topic)) return null;
        var signed = new byte[]?[MessageSignature.SignedHeaders.Count];
        byte[]? signature = null;
        foreach (var h in headers)
        {
            var i = Index(h.Name);
            if (i < 0 && h.Name != MessageHeaders.Signature) continue;
            ref var slot = ref i < 0 ? ref signature : ref signed[i];
            if (slot is not null) return $"{Refused}: header {h.Name} appears more than once";
            slot = h.Value;
        }
        if (signature is null) return $"{Refused}: not signed (no {MessageHeaders.Signature} header); every message on {topic} must be";
        var producer = Text(signed[Index(MessageHeaders.Producer)]);
        var keyId = Text(signed[Index(MessageHeaders.KeyId)]);
        var type = Text(signed[Index(MessageHeaders.Type)]);
        if (producer is null || keyId is null) return $"{Refused}: signed without a readable {MessageHeaders.Producer} and {MessageHeaders.KeyId}";
        if (type is null) return $"{Refused}: no readable {MessageHeaders.Type} header";
        var allowed = rights.ProducersOf(topic, type);
        if (!allowed.Contains(producer, StringComparer.Ordinal))
            return allowed.Count == 0
                ? $"{Refused}: no producer may publish {Show(type)} on {topic}"
                : $"{Refused}: producer {Show(producer)} may not publish {Show(type)} on {topic} (only {string.Join(", ", allowed)})";
        if (!keys.TryGetSecret(producer, keyId, out var secret))
            return $"{Refused}: unknown key {Show(keyId)} of producer {producer}";
        if (signature.Length != MessageSignature.SignatureHexLength)
            return $"{Refused}: {MessageHeaders.Signature} is not {MessageSignature.SignatureHexLength} hex digits";
        var expected = Encoding.ASCII.GetBytes(MessageSignature.Compute(secret, topic, messageKey, signed, body));
        return CryptographicOperations.FixedTimeEquals(expected, signature)
            ? null
            : $"{Refused}: signature does not match (producer {producer}, key {keyId}): altered, signed with another key, or moved from another topic or key";
    }

    private static int Index(string name)
    {
        var list = MessageSignature.SignedHeaders;
        for (var i = 0; i < list.Count; i++)
            if (list[i] == name) return i;
        return -1;
    }

    private static string? Text(byte[]? value)
    {
        if (value is null || value.Length == 0 || value.Length > 200) return null;
        try { return new UTF8Encoding(false, true).GetString(value); }
        catch (DecoderFallbackException) { return null; }
    }

    /// <summary>A hostile producer's text, quoted as one bounded line.</summary>
    private static string Show(string text) => "'" + IncomingMessage.OneLine(text.Length > 64 ? text[..64] + "…" : text) + "'";
}
