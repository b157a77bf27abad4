using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// What a message's signatures cover, and how each is computed: HMAC-SHA256, under the key the
/// producer shares with one consuming service (a pair key), of the message's canonical encoding
/// for that consumer. The encoding is a fixed label and then eleven fields in this order, each
/// written as a 4-byte big-endian length followed by that many bytes, or as <c>FF FF FF FF</c>
/// when the field is absent: the topic (UTF-8), the key, the values of the headers
/// <c>message-id</c>, <c>type</c>, <c>schema-version</c>, <c>correlation-id</c>,
/// <c>causation-id</c>, <c>occurred-at</c> and <c>producer</c> (their bytes as on the wire), the
/// body, then the consumer's name and the key id (UTF-8). The label is the ASCII bytes
/// <c>contestpipeline.message.v2</c> and a newline (v1 was one signature under a key every
/// consumer of the producer held). The <c>signatures</c> header carries one
/// <c>&lt;consumer&gt;:&lt;key id&gt;:&lt;hex&gt;</c> per consuming service, comma-separated, each HMAC as 64
/// lower-case hex digits. Documented for producers in other languages in docs/topics/README.md.
/// </summary>
public static class MessageSignature
{
    public static ReadOnlySpan<byte> Label => "contestpipeline.message.v2\n"u8;

    /// <summary>The headers whose values are signed, in the order they are encoded.</summary>
    public static IReadOnlyList<string> SignedHeaders { get; } =
    [
        MessageHeaders.MessageId, MessageHeaders.Type, MessageHeaders.SchemaVersion, MessageHeaders.CorrelationId,
        MessageHeaders.CausationId, MessageHeaders.OccurredAt, MessageHeaders.Producer,
    ];

    private const int Absent = -1;
    public const int SignatureHexLength = 64;
    /// <summary>Between one consumer's signature and the next in <c>signatures</c>.</summary>
    public const char Separator = ',';
    /// <summary>Between a signature's consumer, key id and HMAC.</summary>
    public const char FieldSeparator = ':';

    /// <summary>
    /// The signature for <paramref name="consumer"/>, under the pair key <paramref name="keyId"/>, of a message
    /// whose signed headers are <paramref name="signed"/> (in <see cref="SignedHeaders"/> order, null where absent).
    /// </summary>
    public static string Compute(byte[] secret, string consumer, string keyId, string topic, byte[]? key,
        ReadOnlySpan<byte[]?> signed, byte[]? body) =>
        ComputeAll([new SigningKey("", consumer, keyId, secret)], topic, key, signed, body)[0];

    /// <summary>
    /// One signature per key, in their order: the message is encoded once, the consumer and key id last.
    /// </summary>
    public static string[] ComputeAll(IReadOnlyList<SigningKey> keys, string topic, byte[]? key,
        ReadOnlySpan<byte[]?> signed, byte[]? body)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(topic);
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        var length = Label.Length + 4 + topicLength + 4 + (key?.Length ?? 0) + 4 + (body?.Length ?? 0);
        foreach (var value in signed) length = checked(length + 4 + (value?.Length ?? 0));
        var tail = 0;
        foreach (var k in keys)
            tail = Math.Max(tail, 8 + Encoding.UTF8.GetByteCount(k.Consumer) + Encoding.UTF8.GetByteCount(k.KeyId));
        var buffer = ArrayPool<byte>.Shared.Rent(checked(length + tail));
        try
        {
            var span = buffer.AsSpan(0, length + tail);
            Label.CopyTo(span);
            var at = Label.Length;
            BinaryPrimitives.WriteInt32BigEndian(span[at..], topicLength);
            at += 4 + Encoding.UTF8.GetBytes(topic, span[(at + 4)..]);
            at = Write(span, at, key);
            foreach (var value in signed) at = Write(span, at, value);
            at = Write(span, at, body);
            var result = new string[keys.Count];
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            for (var i = 0; i < keys.Count; i++)
            {
                var end = WriteText(span, at, keys[i].Consumer);
                end = WriteText(span, end, keys[i].KeyId);
                Hmac(keys[i].Secret, span[..end], mac);
                result[i] = Convert.ToHexStringLower(mac);
            }
            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Keyed HMAC state kept per thread and key (by reference: a secret's bytes are never changed in place), at
    /// most <see cref="HmacsPerThreadMax"/> of them: the one-shot HMAC set up an OpenSSL context and the key's
    /// inner and outer pads for every signature, 1.14 µs against 0.57 µs reused for 300 bytes.
    /// </summary>
    [ThreadStatic] private static Dictionary<byte[], IncrementalHash>? _hmacs;
    private const int HmacsPerThreadMax = 64;

    private static void Hmac(byte[] secret, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        var hmacs = _hmacs ??= new Dictionary<byte[], IncrementalHash>(ReferenceEqualityComparer.Instance);
        if (!hmacs.TryGetValue(secret, out var hmac))
        {
            if (hmacs.Count >= HmacsPerThreadMax)
            {
                foreach (var h in hmacs.Values) h.Dispose();
                hmacs.Clear();
            }
            hmacs[secret] = hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        }
        hmac.AppendData(data);
        hmac.GetHashAndReset(mac);
    }

    private static int Write(Span<byte> span, int at, byte[]? value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span[at..], value is null ? Absent : value.Length);
        value?.CopyTo(span[(at + 4)..]);
        return at + 4 + (value?.Length ?? 0);
    }

    private static int WriteText(Span<byte> span, int at, string value)
    {
        var n = Encoding.UTF8.GetBytes(value, span[(at + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(span[at..], n);
        return at + 4 + n;
    }

    /// <summary>
    /// The HMAC-SHA256 (hex) of an operator's statement: <paramref name="label"/>, then each field as a 4-byte
    /// big-endian length and its UTF-8 bytes (re-drive grants, definition seals).
    /// </summary>
    public static string StatementMac(byte[] secret, ReadOnlySpan<byte> label, params ReadOnlySpan<string> fields)
    {
        var data = new List<byte>(label.ToArray());
        Span<byte> length = stackalloc byte[4];
        foreach (var f in fields)
        {
            var bytes = Encoding.UTF8.GetBytes(f);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            data.AddRange(length.ToArray());
            data.AddRange(bytes);
        }
        return Convert.ToHexStringLower(HMACSHA256.HashData(secret, data.ToArray()));
    }

    /// <summary>
    /// True for the headers a producer adds when it signs (and removes before signing again), and for
    /// the two a message signed the old way (v1) carried.
    /// </summary>
    public static bool IsAuthenticationHeader(string name) =>
        name is MessageHeaders.Producer or MessageHeaders.Signatures
            or MessageHeaders.KeyId or MessageHeaders.Signature
            or MessageHeaders.Operator or MessageHeaders.OperatorSignatures;
}
