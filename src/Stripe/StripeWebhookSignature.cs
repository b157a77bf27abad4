using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ContestPipeline.Stripe;

/// <summary>What checking a Stripe-Signature header found, in the order the checks run.</summary>
public enum StripeSignatureCheck
{
    Valid,
    MissingHeader,
    /// <summary>No t=, a t= that is not Unix seconds, or no v1= at all.</summary>
    MalformedHeader,
    /// <summary>No v1 value is the HMAC of this payload under any of the secrets.</summary>
    NoMatchingSignature,
    /// <summary>The signature matches but was made too long ago (or too far ahead): a replay.</summary>
    TimestampOutsideTolerance,
}

/// <summary>
/// Stripe's webhook signature: <c>Stripe-Signature: t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256 of
/// "t.payload"&gt;[,v1=...]</c>, keyed by the endpoint's whole secret (whsec_...). While a
/// secret is rolled, Stripe signs with the old and the new one (two v1 values) and the
/// receiver knows both: any match is enough. The signature is checked before the timestamp,
/// as Stripe's own libraries do, so an unsigned request never learns about the time window.
/// </summary>
public static class StripeWebhookSignature
{
    public const string HeaderName = "Stripe-Signature";
    public static readonly TimeSpan ToleranceDefault = TimeSpan.FromSeconds(300);

    private static readonly long UnixSecondsMax = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    public static StripeSignatureCheck Verify(string payload, string? header, IReadOnlyList<string> secrets,
        DateTimeOffset now, TimeSpan? tolerance = null) =>
        Verify(Encoding.UTF8.GetBytes(payload), header, secrets, now, tolerance);

    /// <param name="payload">The raw request body, exactly as received: re-serialised JSON never matches.</param>
    public static StripeSignatureCheck Verify(ReadOnlySpan<byte> payload, string? header, IReadOnlyList<string> secrets,
        DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (string.IsNullOrWhiteSpace(header)) return StripeSignatureCheck.MissingHeader;

        long? timestamp = null;
        var signatures = new List<byte[]>();
        var anyV1 = false;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) return StripeSignatureCheck.MalformedHeader;
            var (key, value) = (part[..eq], part[(eq + 1)..]);
            if (key == "t")
            {
                // A time no date can hold is malformed, whoever signed it (it would not even compare with now).
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t) || t > UnixSecondsMax)
                    return StripeSignatureCheck.MalformedHeader;
                timestamp = t;
            }
            else if (key == "v1")
            {
                anyV1 = true;
                // A value that is not hex cannot match; it is skipped like any other non-match.
                if (value.Length == 64 && TryFromHex(value, out var bytes)) signatures.Add(bytes);
            }
            // Other schemes (v0 for test events) are ignored, as Stripe's libraries do.
        }
        if (timestamp is null || !anyV1) return StripeSignatureCheck.MalformedHeader;

        var matched = false;
        foreach (var secret in secrets)
        {
            var expected = Hmac(payload, secret, timestamp.Value);
            // Every candidate is compared in full, so the time taken says nothing about which matched.
            foreach (var signature in signatures)
                matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        if (!matched) return StripeSignatureCheck.NoMatchingSignature;

        var age = now - DateTimeOffset.FromUnixTimeSeconds(timestamp.Value);
        return age.Duration() > (tolerance ?? ToleranceDefault)
            ? StripeSignatureCheck.TimestampOutsideTolerance
            : StripeSignatureCheck.Valid;
    }

    /// <summary>The header value Stripe would send for this payload, secret and time.</summary>
    public static string Sign(ReadOnlySpan<byte> payload, string secret, DateTimeOffset timestamp)
    {
        var t = timestamp.ToUnixTimeSeconds();
        return string.Create(CultureInfo.InvariantCulture, $"t={t},v1={Convert.ToHexStringLower(Hmac(payload, secret, t))}");
    }

    public static string Sign(string payload, string secret, DateTimeOffset timestamp) =>
        Sign(Encoding.UTF8.GetBytes(payload), secret, timestamp);

    private static byte[] Hmac(ReadOnlySpan<byte> payload, string secret, long timestamp)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(signed, 0);
        payload.CopyTo(signed.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
    }

    private static bool TryFromHex(string hex, out byte[] bytes)
    {
        bytes = new byte[hex.Length / 2];
        return Convert.FromHexString(hex, bytes, out _, out _) == System.Buffers.OperationStatus.Done;
    }
}
