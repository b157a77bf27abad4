using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// An operator's signed statement that one dead-lettered message may be applied again: its message id, where
/// its dead letter is (<c>&lt;topic&gt;.dlq/&lt;partition&gt;@&lt;offset&gt;</c>), who and why, and when. A
/// consumer skips a message it dead-lettered (a replay reads it again) unless the delivery carries a grant
/// for that message id that verifies under the operator's own key for that consuming service
/// (<see cref="OperatorKey.ConsumerSecret"/>). Carried as the header <c>redrive-grant</c>: JSON with the
/// statement's fields and <c>signatures</c>, one <c>&lt;consumer&gt;:&lt;hex&gt;</c> per consuming service,
/// comma-separated; each an HMAC-SHA256 of the label <c>contestpipeline.redrive-grant.v1\n</c> and then the
/// message id, dead letter, operator, key id, reason, signed-at and consumer, each as a 4-byte big-endian length
/// and its UTF-8 bytes.
/// </summary>
public sealed record RedriveGrant(string MessageId, string DeadLetter, string Operator, string KeyId, string Reason,
    DateTimeOffset SignedAt)
{
    private static ReadOnlySpan<byte> Label => "contestpipeline.redrive-grant.v1\n"u8;

    /// <summary>The grant longest read: a header larger than this is no grant.</summary>
    public const int BytesMax = 16_384;

    /// <summary>
    /// The header's value: the statement signed by <paramref name="key"/> for each of <paramref name="consumers"/>.
    /// </summary>
    public static byte[] Sign(OperatorKey key, IEnumerable<string> consumers, string messageId, string deadLetter,
        string reason, DateTimeOffset signedAt)
    {
        ArgumentNullException.ThrowIfNull(key);
        var grant = new RedriveGrant(messageId, deadLetter, key.Operator, key.KeyId, reason, signedAt);
        var signatures = string.Join(MessageSignature.Separator, consumers.Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(c => c + MessageSignature.FieldSeparator + grant.Mac(key.ConsumerSecret(c), c)));
        return JsonSerializer.SerializeToUtf8Bytes(new Wire(messageId, deadLetter, key.Operator, key.KeyId, reason,
            grant.SignedAtText, signatures), Json);
    }

    /// <summary>
    /// Null when <paramref name="value"/> is a grant for <paramref name="messageId"/> signed for
    /// <paramref name="consumer"/> by an operator whose key <paramref name="keys"/> holds for it (and
    /// <paramref name="grant"/> is then the statement); otherwise why not.
    /// </summary>
    public static string? Refusal(byte[]? value, SigningKeys keys, string consumer, string messageId,
        out RedriveGrant? grant)
    {
        ArgumentNullException.ThrowIfNull(keys);
        grant = null;
        if (value is null || value.Length is 0 or > BytesMax) return "no readable re-drive grant";
        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<Wire>(value, Json);
        }
        catch (JsonException)
        {
            return "the re-drive grant is not JSON";
        }
        if (wire is not { MessageId: { } id, DeadLetter: { } where, Operator: { } op, KeyId: { } keyId,
                Reason: { } reason, SignedAt: { } at, Signatures: { } signatures }
            || !DateTimeOffset.TryParseExact(at, Envelope.TimestampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var signedAt))
            return "the re-drive grant lacks a field";
        if (!string.Equals(id, messageId, StringComparison.Ordinal))
            return "the re-drive grant names another message";
        if (!keys.TryGetOperatorSecret(op, consumer, keyId, out var secret, out var role))
            return $"the re-drive grant's operator key is not one {consumer} holds";
        var candidate = new RedriveGrant(id, where, op, keyId, reason, signedAt);
        var mine = signatures.Split(MessageSignature.Separator)
            .Select(s => s.Split(MessageSignature.FieldSeparator))
            .Where(f => f.Length == 2 && f[0] == consumer).Select(f => f[1]).ToList();
        if (mine.Count != 1) return $"the re-drive grant is not signed for {consumer}";
        var expected = Encoding.ASCII.GetBytes(candidate.Mac(secret, consumer));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(mine[0])))
            return "the re-drive grant's signature does not match";
        if (SigningKeys.RoleRefusal(op, keyId, role, OperatorRoles.RedriveGrantNeeds, "a re-drive") is { } weak)
            return weak;
        grant = candidate;
        return null;
    }

    private string SignedAtText =>
        SignedAt.UtcDateTime.ToString(Envelope.TimestampFormat, CultureInfo.InvariantCulture);

    private string Mac(byte[] secret, string consumer) =>
        MessageSignature.StatementMac(secret, Label, MessageId, DeadLetter, Operator, KeyId, Reason, SignedAtText,
            consumer);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Wire(string? MessageId, string? DeadLetter, string? Operator, string? KeyId,
        string? Reason, string? SignedAt, string? Signatures);
}
