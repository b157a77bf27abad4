using System.Collections.Concurrent;
using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;

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
    /// True for the headers a producer adds when it signs (and removes before signing again), and for
    /// the two a message signed the old way (v1) carried.
    /// </summary>
    public static bool IsAuthenticationHeader(string name) =>
        name is MessageHeaders.Producer or MessageHeaders.Signatures
            or MessageHeaders.KeyId or MessageHeaders.Signature
            or MessageHeaders.Operator or MessageHeaders.OperatorSignatures;
}

/// <summary>
/// Signs one producer's messages on the internal topics of a <see cref="PublishRights"/>
/// table: adds <c>producer</c> and <c>signatures</c> to the headers, one signature per consuming
/// service it shares a pair key with (its key folder holds exactly the pairs for the consumers of
/// what it may publish: src/Deployment/Services.cs). Used by the outbox relay (every row it
/// publishes on an internal topic), the webhook receiver and the operator tools. Messages on other
/// topics (alerts, dead letters, canaries) are not signed: a dead letter keeps its original's
/// signatures, so a re-drive still verifies.
/// </summary>
public sealed class MessageSigner
{
    private readonly byte[] _producer;
    private readonly SigningKey[] _keys;
    private readonly PublishRights _rights;
    private readonly OperatorKey? _operator;
    private readonly Func<string, IReadOnlyList<string>>? _readersOf;
    private readonly ConcurrentDictionary<string, SigningKey[]> _keysByTopic = new(StringComparer.Ordinal);

    /// <param name="producer">Who signs.</param>
    /// <param name="keys">
    /// The signing key of each pair (<paramref name="producer"/>, consumer): one per consumer.
    /// </param>
    /// <param name="rights">Which topics are signed.</param>
    /// <param name="readersOf">
    /// The services that consume a topic: a message is signed only for those of them it holds a key for (null:
    /// for every consumer it holds a key for).
    /// </param>
    public MessageSigner(string producer, IEnumerable<SigningKey> keys, PublishRights rights,
        Func<string, IReadOnlyList<string>>? readersOf = null)
        : this(producer, keys, rights, null, readersOf)
    {
    }

    private MessageSigner(string producer, IEnumerable<SigningKey> keys, PublishRights rights, OperatorKey? @operator,
        Func<string, IReadOnlyList<string>>? readersOf)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(keys);
        Producer = producer;
        _producer = Encoding.UTF8.GetBytes(producer);
        _keys = [.. keys.OrderBy(k => k.Consumer, StringComparer.Ordinal)];
        foreach (var k in _keys)
            if (k.Producer != producer)
                throw new ArgumentException($"key {k.KeyId} is {k.Producer}'s, not {producer}'s", nameof(keys));
        if (_keys.Select(k => k.Consumer).Distinct(StringComparer.Ordinal).Count() != _keys.Length)
            throw new ArgumentException($"{producer} signs with one key per consumer", nameof(keys));
        _rights = rights;
        _operator = @operator;
        _readersOf = readersOf;
    }

    public string Producer { get; }

    /// <summary>
    /// This signer, also signing every message as <paramref name="operator"/>: the operator tools' signer for
    /// the operator signed in (the console) or named by the key given (cpctl).
    /// </summary>
    public MessageSigner As(OperatorKey @operator) => new(Producer, _keys, _rights, @operator, _readersOf);

    /// <summary>The operator whose own key signs too; null when none does.</summary>
    public string? Operator => _operator?.Operator;

    /// <summary>Each consumer it signs for with the key id it signs with (<c>consumer:key id</c>), for logs.</summary>
    public IReadOnlyList<string> PairKeys =>
        [.. _keys.Select(k => k.Consumer + MessageSignature.FieldSeparator + k.KeyId)];

    /// <summary>The consumers it signs for, in ordinal order.</summary>
    public IReadOnlyList<string> Consumers => [.. _keys.Select(k => k.Consumer)];

    /// <summary>Whether a message on <paramref name="topic"/> is signed.</summary>
    public bool Signs(string topic) => _rights.Covers(topic);

    /// <summary>
    /// The consumers a message on <paramref name="topic"/> is signed for: those that read it, of those this signer
    /// holds a key for. A signature for a service that never reads the topic would only cost an HMAC and bytes on
    /// every message. When none of its readers is known here, every key signs, as without a table of readers.
    /// </summary>
    public IReadOnlyList<string> ConsumersOf(string topic) => [.. KeysFor(topic).Select(k => k.Consumer)];

    private SigningKey[] KeysFor(string topic) => _readersOf is null
        ? _keys
        : _keysByTopic.GetOrAdd(topic, t =>
        {
            var readers = _readersOf(t);
            var keys = _keys.Where(k => readers.Contains(k.Consumer, StringComparer.Ordinal)).ToArray();
            return keys.Length > 0 ? keys : _keys;
        });

    /// <summary>
    /// The headers with this producer's signatures added (any earlier <c>producer</c>,
    /// <c>signatures</c>, or old <c>key-id</c> and <c>signature</c>, removed). A signed header that
    /// appears twice is a bug in the caller: a consumer would refuse the message.
    /// </summary>
    public List<Header> Sign(string topic, byte[]? messageKey, IReadOnlyList<Header> headers, byte[]? body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (_keys.Length == 0)
            throw new InvalidOperationException(
                $"producer {Producer} holds no pair key (a key shared with a consumer); it cannot sign for {topic}");
        var kept = new List<Header>(headers.Count + 2);
        foreach (var h in headers)
            if (!MessageSignature.IsAuthenticationHeader(h.Name)) kept.Add(h);
        kept.Add(new Header(MessageHeaders.Producer, _producer));
        var signed = new byte[]?[MessageSignature.SignedHeaders.Count];
        for (var i = 0; i < signed.Length; i++)
        {
            foreach (var h in kept)
            {
                if (h.Name != MessageSignature.SignedHeaders[i]) continue;
                if (signed[i] is not null)
                    throw new InvalidOperationException(
                        $"header {h.Name} appears twice in a message for {topic}; it cannot be signed");
                signed[i] = h.Value;
            }
        }
        var keys = KeysFor(topic);
        var macs = MessageSignature.ComputeAll(keys, topic, messageKey, signed, body);
        var value = new StringBuilder(keys.Length * (MessageSignature.SignatureHexLength + 24));
        for (var i = 0; i < keys.Length; i++)
        {
            if (i > 0) value.Append(MessageSignature.Separator);
            value.Append(keys[i].Consumer).Append(MessageSignature.FieldSeparator).Append(keys[i].KeyId)
                .Append(MessageSignature.FieldSeparator).Append(macs[i]);
        }
        kept.Add(Header.Text(MessageHeaders.Signatures, value.ToString()));
        if (_operator is not null) kept.AddRange(OperatorHeaders(_operator, keys, topic, messageKey, signed, body));
        return kept;
    }

    /// <summary>
    /// The operator's own signatures: for each consumer, the HMAC of the same encoding under the key the
    /// operator's key gives that consumer, with <c>&lt;operator&gt;/&lt;key id&gt;</c> in the key id's place.
    /// </summary>
    private static Header[] OperatorHeaders(OperatorKey key, SigningKey[] pairKeys, string topic, byte[]? messageKey,
        byte[]?[] signed, byte[]? body)
    {
        var keys = pairKeys.Select(k => new SigningKey(key.Operator, k.Consumer,
            OperatorKey.SignedKeyId(key.Operator, key.KeyId), key.ConsumerSecret(k.Consumer))).ToList();
        var macs = MessageSignature.ComputeAll(keys, topic, messageKey, signed, body);
        var value = string.Join(MessageSignature.Separator, keys.Select((k, i) =>
            $"{k.Consumer}{MessageSignature.FieldSeparator}{key.KeyId}{MessageSignature.FieldSeparator}{macs[i]}"));
        return
        [
            Header.Text(MessageHeaders.Operator, key.Operator),
            Header.Text(MessageHeaders.OperatorSignatures, value),
        ];
    }
}

/// <summary>
/// Checks, before any handler runs, that a message on an internal topic was signed for this
/// consuming service (<c>consumer</c>) by a producer the table allows for its type there, with a
/// key of the pair (producer, this consumer) that this process holds, over exactly its topic, key,
/// signed headers and body. Anything else is refused with a reason starting
/// <c>unauthenticated</c>: unsigned, signed the old way, not signed for this consumer, a signed
/// header given twice, a producer not allowed for the type, an unknown key, or a signature that
/// does not match (altered, signed with another key, or moved to another topic or key). Messages on
/// other topics pass unchecked. A process holds only the pair keys that name it as the consumer, so
/// it can make messages only it accepts.
/// </summary>
public sealed class MessageVerifier(SigningKeys keys, PublishRights rights, string consumer)
{
    public const string Refused = "unauthenticated";

    /// <summary>Holds no key: refuses every message on an internal topic (a consumer not given keys).</summary>
    public static MessageVerifier NoKeys { get; } = new(SigningKeys.None, PublishRights.Pipeline, "nobody");

    /// <summary>The consuming service whose signature it checks.</summary>
    public string Consumer => consumer;

    public bool Checks(string topic) => rights.Covers(topic);

    /// <summary>
    /// Null when the message is authentic or its topic is not checked; otherwise why not, starting
    /// with <see cref="Refused"/>.
    /// </summary>
    public string? Refusal(string topic, byte[]? messageKey, IReadOnlyList<Header> headers, byte[]? body) =>
        Refusal(topic, messageKey, headers, body, out _);

    /// <summary>
    /// As <see cref="Refusal(string, byte[], IReadOnlyList{Header}, byte[])"/>; a message produced as <c>operator</c>
    /// must also carry its operator's own signature for this consumer, and <paramref name="operator"/> is then
    /// that operator, as the key that verified it names them (null for every other message).
    /// </summary>
    public string? Refusal(string topic, byte[]? messageKey, IReadOnlyList<Header> headers, byte[]? body,
        out string? @operator)
    {
        ArgumentNullException.ThrowIfNull(headers);
        @operator = null;
        if (!rights.Covers(topic)) return null;
        var signed = new byte[]?[MessageSignature.SignedHeaders.Count];
        byte[]? signatures = null, operatorName = null, operatorSignatures = null;
        var old = false;
        foreach (var h in headers)
        {
            if (h.Name is MessageHeaders.Signature or MessageHeaders.KeyId) old = true;
            var i = Index(h.Name);
            ref var slot = ref signatures;
            if (i >= 0) slot = ref signed[i];
            else if (h.Name == MessageHeaders.Operator) slot = ref operatorName;
            else if (h.Name == MessageHeaders.OperatorSignatures) slot = ref operatorSignatures;
            else if (h.Name != MessageHeaders.Signatures) continue;
            if (slot is not null) return $"{Refused}: header {h.Name} appears more than once";
            slot = h.Value;
        }
        if (signatures is null)
            return old
                ? $"{Refused}: signed the old way (one {MessageHeaders.Signature} under the producer's own key, " +
                    $"{MessageHeaders.KeyId}); every message on {topic} must carry {MessageHeaders.Signatures}, " +
                    "one per consumer (docs/operations.md, \"Pair keys: cut-over\")"
                : $"{Refused}: not signed (no {MessageHeaders.Signatures} header); every message on {topic} must be";
        var producer = Text(signed[Index(MessageHeaders.Producer)]);
        var type = Text(signed[Index(MessageHeaders.Type)]);
        if (producer is null) return $"{Refused}: signed without a readable {MessageHeaders.Producer}";
        if (type is null) return $"{Refused}: no readable {MessageHeaders.Type} header";
        var allowed = rights.ProducersOf(topic, type);
        if (!allowed.Contains(producer, StringComparer.Ordinal))
            return allowed.Count == 0
                ? $"{Refused}: no producer may publish {Show(type)} on {topic}"
                : $"{Refused}: producer {Show(producer)} may not publish {Show(type)} on {topic} "
                    + $"(only {string.Join(", ", allowed)})";
        var mine = Mine(signatures, MessageHeaders.Signatures, out var problem);
        if (problem is not null) return $"{Refused}: {problem}";
        if (mine is not { } found)
            return $"{Refused}: not signed for {consumer} ({MessageHeaders.Signatures} has no " +
                $"'{consumer}{MessageSignature.FieldSeparator}…'): {producer} did not sign it for this consumer";
        var (keyId, mac) = found;
        if (!keys.TryGetSecret(producer, consumer, keyId, out var secret))
            return $"{Refused}: unknown key {Show(keyId)} of producer {producer} for {consumer}";
        if (mac.Length != MessageSignature.SignatureHexLength)
            return $"{Refused}: the signature for {consumer} is not {MessageSignature.SignatureHexLength} hex digits";
        var expected = Encoding.ASCII.GetBytes(
            MessageSignature.Compute(secret, consumer, keyId, topic, messageKey, signed, body));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(mac)))
            return $"{Refused}: signature does not match (producer {producer}, for {consumer}, key {keyId}): " +
                "altered, signed with another key, or moved from another topic or key";
        return producer == Producers.Operator
            ? OperatorRefusal(topic, messageKey, signed, body, operatorName, operatorSignatures, out @operator)
            : null;
    }

    /// <summary>
    /// Null when an operator's decision carries, for this consumer, a valid signature under the key the
    /// <c>operator</c> header's operator was issued for it (and <paramref name="operator"/> is then that operator);
    /// otherwise why not. The shared <c>operator</c> pair key says only that an operator tool sent it; this says who.
    /// </summary>
    private string? OperatorRefusal(string topic, byte[]? messageKey, byte[]?[] signed, byte[]? body,
        byte[]? name, byte[]? signatures, out string? @operator)
    {
        @operator = null;
        const string how = "every operator's decision carries its operator's own signature " +
            "(docs/trust-boundary.md, \"Operator keys\")";
        if (signatures is null) return $"{Refused}: no {MessageHeaders.OperatorSignatures} header: {how}";
        var claimed = Text(name);
        if (!OperatorKey.IsName(claimed)) return $"{Refused}: no readable {MessageHeaders.Operator} header: {how}";
        var mine = Mine(signatures, MessageHeaders.OperatorSignatures, out var problem);
        if (problem is not null) return $"{Refused}: {problem}";
        if (mine is not { } found)
            return $"{Refused}: operator {claimed} did not sign it for {consumer} " +
                $"({MessageHeaders.OperatorSignatures} has no '{consumer}{MessageSignature.FieldSeparator}…')";
        var (keyId, mac) = found;
        if (!keys.TryGetOperatorSecret(claimed, consumer, keyId, out var secret))
            return $"{Refused}: unknown key {Show(keyId)} of operator {claimed} for {consumer}: no such operator, " +
                $"or their key was not issued to {consumer}";
        var expected = Encoding.ASCII.GetBytes(MessageSignature.Compute(secret, consumer,
            OperatorKey.SignedKeyId(claimed, keyId), topic, messageKey, signed, body));
        if (mac.Length != MessageSignature.SignatureHexLength
            || !CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(mac)))
            return $"{Refused}: operator signature does not match (operator {claimed}, for {consumer}, key {keyId}): " +
                "signed with another operator's key, altered, or moved from another topic or key";
        @operator = claimed;
        return null;
    }

    /// <summary>
    /// This consumer's (key id, HMAC) in the <c>signatures</c> header; null when absent; a problem when
    /// malformed or given twice.
    /// </summary>
    private (string KeyId, string Mac)? Mine(byte[] value, string header, out string? problem)
    {
        problem = null;
        var text = value.Length is > 0 and <= 16_384 ? Text(value, int.MaxValue) : null;
        if (text is null)
        {
            problem = $"{header} is not readable text";
            return null;
        }
        (string, string)? found = null;
        foreach (var entry in text.Split(MessageSignature.Separator))
        {
            var fields = entry.Split(MessageSignature.FieldSeparator);
            if (fields.Length != 3 || fields[0].Length == 0 || fields[1].Length == 0)
            {
                const char f = MessageSignature.FieldSeparator;
                problem = $"{header} is not a list of '<consumer>{f}<key id>{f}<hex>'";
                return null;
            }
            if (fields[0] != consumer) continue;
            if (found is not null)
            {
                problem = $"{header} names {consumer} more than once";
                return null;
            }
            found = (fields[1], fields[2]);
        }
        return found;
    }

    private static int Index(string name)
    {
        var list = MessageSignature.SignedHeaders;
        for (var i = 0; i < list.Count; i++)
            if (list[i] == name) return i;
        return -1;
    }

    private static string? Text(byte[]? value, int limit = 200)
    {
        if (value is null || value.Length == 0 || value.Length > limit) return null;
        try { return new UTF8Encoding(false, true).GetString(value); }
        catch (DecoderFallbackException) { return null; }
    }

    /// <summary>A hostile producer's text, quoted as one bounded line.</summary>
    private static string Show(string text) =>
        "'" + IncomingMessage.OneLine(text.Length > 64 ? text[..64] + "…" : text) + "'";
}
