using System.Globalization;
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
/// "t.payload"&gt;[,v1=...]</c>, keyed by the endpoint's whole secret (whsec_...), checked with
/// Stripe.net's own utility (<c>EventUtility.ValidateSignature</c>) on the injected clock. While a
/// secret is rolled, Stripe signs with the old and the new one (two v1 values) and the receiver
/// knows both: each secret is tried, and any match is enough. Stripe.net checks the signature
/// before the timestamp, so an unsigned request never learns about the time window; what it
/// refuses is told apart here by kind (a header without its parts, no matching signature, a
/// signature made too long ago) for the receiver's counts.
/// </summary>
public static class StripeWebhookSignature
{
    public const string HeaderName = "Stripe-Signature";
    public static readonly TimeSpan ToleranceDefault = TimeSpan.FromSeconds(300);

    /// <summary>
    /// A tolerance no real signature is outside of: a signature that passes with it matches, whatever its time.
    /// </summary>
    private const long AnyTimeSeconds = 200L * 365 * 24 * 3600;

    public static StripeSignatureCheck Verify(string payload, string? header, IReadOnlyList<string> secrets,
        DateTimeOffset now, TimeSpan? tolerance = null) =>
        Verify(Encoding.UTF8.GetBytes(payload), header, secrets, now, tolerance);

    /// <param name="payload">The raw request body, exactly as received: re-serialised JSON never matches.</param>
    public static StripeSignatureCheck Verify(ReadOnlySpan<byte> payload, string? header, IReadOnlyList<string> secrets,
        DateTimeOffset now, TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrWhiteSpace(header)) return StripeSignatureCheck.MissingHeader;
        if (!IsWellFormed(header)) return StripeSignatureCheck.MalformedHeader;
        var json = Encoding.UTF8.GetString(payload);
        var utcNow = now.ToUnixTimeSeconds();
        var seconds = (long)(tolerance ?? ToleranceDefault).TotalSeconds;
        var signedOutsideTolerance = false;
        foreach (var secret in secrets)
        {
            if (Validates(json, header, secret, seconds, utcNow)) return StripeSignatureCheck.Valid;
            signedOutsideTolerance |= Validates(json, header, secret, AnyTimeSeconds, utcNow);
        }
        return signedOutsideTolerance ? StripeSignatureCheck.TimestampOutsideTolerance
            : StripeSignatureCheck.NoMatchingSignature;
    }

    private static bool Validates(string json, string header, string secret, long toleranceSeconds, long utcNow)
    {
        try
        {
            global::Stripe.EventUtility.ValidateSignature(json, header, secret, toleranceSeconds, utcNow);
            return true;
        }
        catch (global::Stripe.StripeException)
        {
            return false;
        }
    }

    /// <summary>
    /// Every part is key=value, with a t= of Unix seconds and at least one v1=. Stripe.net reads t as
    /// a 32-bit number, so a larger one (a time past 2038, or no time at all) is malformed here,
    /// whoever signed it, rather than an exception out of the utility.
    /// </summary>
    private static bool IsWellFormed(string header)
    {
        long? timestamp = null;
        var anyV1 = false;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) return false;
            var (key, value) = (part[..eq], part[(eq + 1)..]);
            if (key == "t")
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
                    || t > int.MaxValue) return false;
                timestamp = t;
            }
            anyV1 |= key == "v1";
        }
        return timestamp is not null && anyV1;
    }

    /// <summary>
    /// The header value Stripe would send for this payload, secret and time, made by Stripe.net's own
    /// <c>EventUtility.GenerateSignatureHeader</c>. It signs the payload as text (UTF-8), the form
    /// <see cref="Verify(ReadOnlySpan{byte}, string?, IReadOnlyList{string}, DateTimeOffset, TimeSpan?)"/> checks.
    /// </summary>
    public static string Sign(ReadOnlySpan<byte> payload, string secret, DateTimeOffset timestamp) =>
        Sign(Encoding.UTF8.GetString(payload), secret, timestamp);

    public static string Sign(string payload, string secret, DateTimeOffset timestamp) =>
        global::Stripe.EventUtility.GenerateSignatureHeader(
            payload: payload, secret: secret, timestamp: timestamp.ToUnixTimeSeconds());
}
