using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Operators' seals on a statement one service relays to another that acts on it (a definition, a make-good's
/// terms). A seal's signature for a service is the HMAC-SHA256, under the key the operator's key gives that service
/// (<see cref="OperatorKey.ConsumerSecret"/>), of the statement's label and then its subject (a contest id), the
/// operator, the key id, the service and the statement's hash, each as a 4-byte big-endian length and its UTF-8
/// bytes (<see cref="MessageSignature.StatementMac"/>).
/// </summary>
public static class OperatorSeals
{
    /// <summary><paramref name="key"/>'s seal of <paramref name="hash"/> for <paramref name="consumers"/>.</summary>
    public static OperatorSeal Seal(OperatorKey key, byte[] label, string subject, string hash,
        IEnumerable<string> consumers)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new OperatorSeal(key.Operator, key.KeyId, string.Join(MessageSignature.Separator, consumers.Select(c =>
            c + MessageSignature.FieldSeparator + Mac(key.ConsumerSecret(c), label, subject, key.Operator, key.KeyId,
                c, hash))));
    }

    /// <summary>
    /// The operators whose seals verify for <paramref name="consumer"/> over one of <paramref name="hashes"/>, under
    /// operator keys in <paramref name="keys"/> of at least the role <paramref name="needed"/>, and why each other
    /// seal does not.
    /// </summary>
    public static (IReadOnlyList<string> Verified, IReadOnlyList<string> Failed) Verify(
        IEnumerable<OperatorSeal?> seals, SigningKeys keys, string consumer, byte[] label, string subject,
        IReadOnlyCollection<string> hashes, string statement, string needed)
    {
        ArgumentNullException.ThrowIfNull(seals);
        ArgumentNullException.ThrowIfNull(keys);
        var verified = new SortedSet<string>(StringComparer.Ordinal);
        var failed = new List<string>();
        foreach (var seal in seals)
        {
            if (seal is null || !OperatorKey.IsName(seal.Operator) || !OperatorKey.IsName(seal.KeyId))
            {
                failed.Add("a seal without a readable operator and key id");
                continue;
            }
            if (!keys.TryGetOperatorSecret(seal.Operator, consumer, seal.KeyId, out var secret, out var role))
            {
                failed.Add($"{seal.Operator}'s key {seal.KeyId} is not one {consumer} holds");
                continue;
            }
            var mine = (seal.Signatures ?? "").Split(MessageSignature.Separator)
                .Select(s => s.Split(MessageSignature.FieldSeparator))
                .Where(f => f.Length == 2 && f[0] == consumer).Select(f => f[1]).ToList();
            if (mine.Count != 1)
            {
                failed.Add($"{seal.Operator}'s seal is not signed for {consumer}");
                continue;
            }
            var given = Encoding.ASCII.GetBytes(mine[0]);
            if (!hashes.Any(hash => CryptographicOperations.FixedTimeEquals(given, Encoding.ASCII.GetBytes(
                    Mac(secret, label, subject, seal.Operator, seal.KeyId, consumer, hash)))))
            {
                failed.Add($"{seal.Operator}'s seal does not match the {statement} (altered after sealing)");
                continue;
            }
            if (SigningKeys.RoleRefusal(seal.Operator, seal.KeyId, role, needed, "sealing a " + statement) is { } weak)
            {
                failed.Add(weak);
                continue;
            }
            verified.Add(seal.Operator);
        }
        return ([.. verified], failed);
    }

    private static string Mac(byte[] secret, byte[] label, string subject, string @operator, string keyId,
        string consumer, string hash) =>
        MessageSignature.StatementMac(secret, label, subject, @operator, keyId, consumer, hash);
}
