using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ContestPipeline.Notifier.Channels;

/// <summary>
/// The signature of a callback to the platform, in the form Stripe signs its own: the header
/// <c>ContestPipeline-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c> over
/// <c>"&lt;t&gt;.&lt;body&gt;"</c> with the secret the platform and the sender share. The platform
/// checks it with <see cref="Verify"/>'s rule: same HMAC, timestamp within its tolerance.
/// </summary>
public static class PlatformCallbackSignature
{
    public const string Header = "ContestPipeline-Signature";
    public const string DeliveryIdHeader = "ContestPipeline-Delivery-Id";
    public const string AttemptHeader = "ContestPipeline-Attempt";

    /// <summary>How old a signature's timestamp may be when the platform checks it (Stripe's default).</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, DateTimeOffset at, string body)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Mac(secret, t, body)}";
    }

    /// <summary>
    /// Whether <paramref name="header"/> signs <paramref name="body"/> with the secret, recently enough.
    /// </summary>
    public static bool Verify(string secret, string header, string body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(header);
        string? t = null;
        var macs = new List<string>();
        foreach (var part in header.Split(','))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2) return false;
            if (kv[0] == "t") t = kv[1];
            else if (kv[0] == "v1") macs.Add(kv[1]);
        }
        if (t is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance) return false;
        var expected = Encoding.ASCII.GetBytes(Mac(secret, t, body));
        return macs.Any(m => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(m), expected));
    }

    private static string Mac(string secret, string t, string body) =>
        Convert.ToHexStringLower(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body)));
}
