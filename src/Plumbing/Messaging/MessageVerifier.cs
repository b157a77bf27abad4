using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;

namespace ContestPipeline.Plumbing.Messaging;

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
        out string? @operator) =>
        Refusal(topic, messageKey, headers, body, out @operator, out _);

    /// <summary>
    /// As above; <paramref name="producer"/> is then the producer whose pair key verified the message (null on a topic
    /// that is not signed, or when refused): who said it, as the signature proves, for a consumer that trusts one
    /// producer's word less than another's.
    /// </summary>
    public string? Refusal(string topic, byte[]? messageKey, IReadOnlyList<Header> headers, byte[]? body,
        out string? @operator, out string? producer)
    {
        ArgumentNullException.ThrowIfNull(headers);
        @operator = null;
        producer = null;
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
        var signer = Text(signed[Index(MessageHeaders.Producer)]);
        var type = Text(signed[Index(MessageHeaders.Type)]);
        if (signer is null) return $"{Refused}: signed without a readable {MessageHeaders.Producer}";
        if (type is null) return $"{Refused}: no readable {MessageHeaders.Type} header";
        var allowed = rights.ProducersOf(topic, type);
        if (!allowed.Contains(signer, StringComparer.Ordinal))
            return allowed.Count == 0
                ? $"{Refused}: no producer may publish {Show(type)} on {topic}"
                : $"{Refused}: producer {Show(signer)} may not publish {Show(type)} on {topic} "
                    + $"(only {string.Join(", ", allowed)})";
        var mine = Mine(signatures, MessageHeaders.Signatures, out var problem);
        if (problem is not null) return $"{Refused}: {problem}";
        if (mine is not { } found)
            return $"{Refused}: not signed for {consumer} ({MessageHeaders.Signatures} has no " +
                $"'{consumer}{MessageSignature.FieldSeparator}…'): {signer} did not sign it for this consumer";
        var (keyId, mac) = found;
        if (!keys.TryGetSecret(signer, consumer, keyId, out var secret))
            return $"{Refused}: unknown key {Show(keyId)} of producer {signer} for {consumer}";
        if (mac.Length != MessageSignature.SignatureHexLength)
            return $"{Refused}: the signature for {consumer} is not {MessageSignature.SignatureHexLength} hex digits";
        var expected = Encoding.ASCII.GetBytes(
            MessageSignature.Compute(secret, consumer, keyId, topic, messageKey, signed, body));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(mac)))
            return $"{Refused}: signature does not match (producer {signer}, for {consumer}, key {keyId}): " +
                "altered, signed with another key, or moved from another topic or key";
        if (signer == Producers.Operator
            && OperatorRefusal(topic, type, messageKey, signed, body, operatorName, operatorSignatures,
                out @operator) is { } refused)
            return refused;
        producer = signer;
        return null;
    }

    /// <summary>
    /// Null when <paramref name="definition"/> carries enough operators' seals that verify for this consumer
    /// (<see cref="DefinitionSeals"/>), and <paramref name="operators"/> are they; otherwise why not.
    /// </summary>
    public string? DefinitionRefusal(ContestDefined definition, out IReadOnlyList<string> operators) =>
        DefinitionSeals.Refusal(definition, keys, consumer, out operators);

    /// <summary>
    /// Null when a make-good's terms carry seals that verify for this consumer from two operators
    /// (<see cref="MakeGoodSeals"/>), and <paramref name="operators"/> are they; otherwise why not.
    /// </summary>
    public string? MakeGoodRefusal(SealedMakeGood made, string contestId, string currency,
        out IReadOnlyList<string> operators) =>
        MakeGoodSeals.Refusal(made, contestId, currency, keys, consumer, out operators);

    /// <summary>
    /// Null when the message carries one <c>redrive-grant</c> header that grants <paramref name="messageId"/> for
    /// this consumer under an operator's own key it holds (<see cref="RedriveGrant"/>); otherwise why not.
    /// </summary>
    public string? GrantRefusal(IReadOnlyList<Header> headers, string messageId, out RedriveGrant? grant)
    {
        ArgumentNullException.ThrowIfNull(headers);
        grant = null;
        byte[]? value = null;
        var count = 0;
        foreach (var h in headers)
        {
            if (h.Name != MessageHeaders.RedriveGrant) continue;
            value = h.Value;
            count++;
        }
        return count switch
        {
            0 => "no re-drive grant",
            1 => RedriveGrant.Refusal(value, keys, consumer, messageId, out grant),
            _ => $"header {MessageHeaders.RedriveGrant} appears more than once",
        };
    }

    /// <summary>
    /// Null when an operator's decision carries, for this consumer, a valid signature under the key the
    /// <c>operator</c> header's operator was issued for it, and that key's role may make a decision of this type
    /// (<see cref="OperatorRoles.NeededFor"/>; <paramref name="operator"/> is then that operator); otherwise why not.
    /// The shared <c>operator</c> pair key says only that an operator tool sent it; this says who, and as what.
    /// </summary>
    private string? OperatorRefusal(string topic, string type, byte[]? messageKey, byte[]?[] signed, byte[]? body,
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
        if (!keys.TryGetOperatorSecret(claimed, consumer, keyId, out var secret, out var role))
            return $"{Refused}: unknown key {Show(keyId)} of operator {claimed} for {consumer}: no such operator, " +
                $"or their key was not issued to {consumer}";
        var expected = Encoding.ASCII.GetBytes(MessageSignature.Compute(secret, consumer,
            OperatorKey.SignedKeyId(claimed, keyId), topic, messageKey, signed, body));
        if (mac.Length != MessageSignature.SignatureHexLength
            || !CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(mac)))
            return $"{Refused}: operator signature does not match (operator {claimed}, for {consumer}, key {keyId}): " +
                "signed with another operator's key, altered, or moved from another topic or key";
        if (SigningKeys.RoleRefusal(claimed, keyId, role, OperatorRoles.NeededFor(type), Show(type)) is { } weak)
            return $"{Refused}: {weak}";
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
