using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;

namespace ContestPipeline.Plumbing.Messaging;

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
