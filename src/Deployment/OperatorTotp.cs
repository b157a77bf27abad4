using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing;
using OtpNet;

namespace ContestPipeline.Deployment;

/// <summary>
/// The console's second factor for approvers and admins: a time-based one-time code (TOTP, RFC 6238: HMAC-SHA1,
/// six digits, a 30-second step), from a secret enrolled in the operator's authenticator app by
/// <c>cpctl console operator add</c>. A code is accepted one step either side of now (clocks drift), and each
/// step once (<see cref="Match"/> returns it, the console refuses it the second time).
/// </summary>
public static class OperatorTotp
{
    public const int StepSeconds = 30;
    public const int Digits = 6;
    public const string Issuer = "ContestPipeline";
    private const int SecretBytes = 20;

    /// <summary>Whether an operator of <paramref name="role"/> signs in with a code too (approvers, admins).</summary>
    public static bool Required(string role) => OperatorRoles.Allows(role, OperatorRoles.Approver);

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretBytes);

    /// <summary>The secret as an authenticator app takes it: <c>otpauth://totp/…</c>.</summary>
    public static string Uri(string @operator, byte[] secret) =>
        new OtpUri(OtpType.Totp, secret, @operator, Issuer, OtpHashMode.Sha1, Digits, StepSeconds).ToString();

    /// <summary>The code of the step that holds <paramref name="at"/>.</summary>
    public static string Code(byte[] secret, DateTimeOffset at) =>
        new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits).ComputeTotp(at.UtcDateTime);

    /// <summary>The step (seconds since 1970 over 30) holding <paramref name="at"/>.</summary>
    public static long Step(DateTimeOffset at) => at.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>
    /// The step whose code <paramref name="code"/> is, within one step of <paramref name="now"/>; null when it is none
    /// (wrong, missing, or not six digits).
    /// </summary>
    public static long? Match(byte[] secret, string? code, DateTimeOffset now)
    {
        if (code is null || code.Length != Digits || !code.All(char.IsAsciiDigit)) return null;
        var totp = new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits);
        var window = new VerificationWindow(previous: 1, future: 1);
        return totp.VerifyTotp(now.UtcDateTime, code, out var step, window) ? step : null;
    }
}

/// <summary>
/// An operator's TOTP secret as the operators file keeps it: sealed (AES-256-GCM) under a key derived from the
/// operator's password (PBKDF2-HMAC-SHA256, its own salt), with the operator's name as associated data, as their
/// operator's key is (<see cref="SealedOperatorKey"/>): a copy of the file gives no one the second factor.
/// </summary>
public sealed record SealedTotpSecret(int Iterations, string Salt, string Nonce, string Ciphertext, string Tag)
{
    private const string Label = "contestpipeline.totp.v1";

    public static SealedTotpSecret Seal(string @operator, byte[] secret, string password)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var salt = RandomNumberGenerator.GetBytes(16);
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[secret.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        var iterations = SealedOperatorKey.IterationsDefault;
        using (var aes = new AesGcm(Derive(password, salt, iterations), tag.Length))
            aes.Encrypt(nonce, secret, ciphertext, tag, Associated(@operator));
        return new SealedTotpSecret(iterations, Convert.ToBase64String(salt), Convert.ToBase64String(nonce),
            Convert.ToBase64String(ciphertext), Convert.ToBase64String(tag));
    }

    /// <summary>The secret, or null when the password (or the name) is not the one it was sealed for.</summary>
    public byte[]? Open(string @operator, string password)
    {
        try
        {
            var ciphertext = Convert.FromBase64String(Ciphertext);
            var tag = Convert.FromBase64String(Tag);
            var secret = new byte[ciphertext.Length];
            using var aes = new AesGcm(Derive(password, Convert.FromBase64String(Salt), Iterations), tag.Length);
            aes.Decrypt(Convert.FromBase64String(Nonce), ciphertext, tag, secret, Associated(@operator));
            return secret;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);

    private static byte[] Associated(string @operator) => Encoding.UTF8.GetBytes($"{Label}\n{@operator}");
}
