using System.Security.Cryptography;
using System.Text;

namespace ContestPipeline.Plumbing;

/// <summary>
/// An operator's own key as the console's operators file and a sealed key file keep it: sealed (AES-256-GCM) under a
/// key derived
/// from the operator's password (PBKDF2-HMAC-SHA256, <see cref="Iterations"/>, its own random salt), with the
/// operator's name and the key id as associated data, so a sealed key opens only for that operator and only
/// with their password. The console opens it when the operator signs in and holds it in memory only
/// while they stay signed in: a copy of the console's disk and settings can sign no decision.
/// </summary>
public sealed record SealedOperatorKey(string KeyId, int Iterations, string Salt, string Nonce, string Ciphertext,
    string Tag, string? Role = null)
{
    public const int IterationsDefault = 210_000;
    private const int SaltBytes = 16;
    /// <summary>v2: the key's role is sealed with it (associated data), so it cannot be changed in the file.</summary>
    private const string Label = "contestpipeline.operator-key.v2";

    public static SealedOperatorKey Seal(OperatorKey key, string password)
    {
        ArgumentNullException.ThrowIfNull(key);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[key.Secret.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(Derive(password, salt, IterationsDefault), tag.Length))
            aes.Encrypt(nonce, key.Secret, ciphertext, tag, Associated(key.Operator, key.KeyId, key.Role));
        return new SealedOperatorKey(key.KeyId, IterationsDefault, Convert.ToBase64String(salt),
            Convert.ToBase64String(nonce), Convert.ToBase64String(ciphertext), Convert.ToBase64String(tag), key.Role);
    }

    /// <summary>
    /// The operator's key, or null when the password (or the name) is not the one it was sealed for, or it was
    /// sealed before keys carried a role.
    /// </summary>
    public OperatorKey? Open(string @operator, string password)
    {
        if (Role is null) return null;
        try
        {
            var ciphertext = Convert.FromBase64String(Ciphertext);
            var tag = Convert.FromBase64String(Tag);
            var secret = new byte[ciphertext.Length];
            using var aes = new AesGcm(Derive(password, Convert.FromBase64String(Salt), Iterations), tag.Length);
            aes.Decrypt(Convert.FromBase64String(Nonce), ciphertext, tag, secret, Associated(@operator, KeyId, Role));
            return new OperatorKey(@operator, KeyId, secret, Role);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);

    private static byte[] Associated(string @operator, string keyId, string role) =>
        Encoding.UTF8.GetBytes($"{Label}\n{@operator}\n{keyId}\n{role}");
}
