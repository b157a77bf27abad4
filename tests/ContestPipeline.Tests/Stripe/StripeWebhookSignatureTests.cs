using ContestPipeline.Stripe;
using Xunit;

namespace ContestPipeline.Tests.Stripe;

public sealed class StripeWebhookSignatureTests
{
    private const string Secret = "whsec_current";
    private const string OldSecret = "whsec_previous";
    private const string Payload = """{"id":"evt_1","object":"event","type":"transfer.created"}""";
    private static readonly DateTimeOffset SignedAt = new(2024, 7, 1, 12, 0, 0, TimeSpan.Zero);

    public sealed record Case(string Name, string Body, string? Header, string[] Secrets, int SecondsLater,
        StripeSignatureCheck Expected)
    {
        public override string ToString() => Name;
    }

    private static string Signed(string secret = Secret, string payload = Payload) =>
        StripeWebhookSignature.Sign(payload, secret, SignedAt);

    private static string V1(string header) => header.Split(',')[1];

    public static TheoryData<Case> Cases => new()
    {
        new("valid", Payload, Signed(), [Secret], 0, StripeSignatureCheck.Valid),
        new("valid at the tolerance edge", Payload, Signed(), [Secret], 300, StripeSignatureCheck.Valid),
        new("tampered body", Payload.Replace("transfer.created", "transfer.reversed"), Signed(), [Secret], 0,
            StripeSignatureCheck.NoMatchingSignature),
        new("wrong secret", Payload, Signed("whsec_other"), [Secret], 0, StripeSignatureCheck.NoMatchingSignature),
        new("expired timestamp", Payload, Signed(), [Secret], 301, StripeSignatureCheck.TimestampOutsideTolerance),
        new("timestamp too far ahead", Payload, Signed(), [Secret], -301,
            StripeSignatureCheck.TimestampOutsideTolerance),
        new("wrong secret and expired: the signature is checked first", Payload, Signed("whsec_other"), [Secret], 3_600,
            StripeSignatureCheck.NoMatchingSignature),
        new("rotation: signed with the old secret, both known", Payload, Signed(OldSecret), [Secret, OldSecret], 0,
            StripeSignatureCheck.Valid),
        new("rotation: two v1 values, the second matches", Payload, Signed("whsec_other") + "," + V1(Signed()),
            [Secret], 0, StripeSignatureCheck.Valid),
        new("rotation: two v1 values, neither matches", Payload, Signed("whsec_a") + "," + V1(Signed("whsec_b")),
            [Secret, OldSecret], 0, StripeSignatureCheck.NoMatchingSignature),
        new("v0 ignored beside a valid v1", Payload, Signed() + ",v0=deadbeef", [Secret], 0,
            StripeSignatureCheck.Valid),
        new("missing header", Payload, null, [Secret], 0, StripeSignatureCheck.MissingHeader),
        new("empty header", Payload, "", [Secret], 0, StripeSignatureCheck.MissingHeader),
        new("no timestamp", Payload, V1(Signed()), [Secret], 0, StripeSignatureCheck.MalformedHeader),
        new("timestamp not a number", Payload, "t=soon," + V1(Signed()), [Secret], 0,
            StripeSignatureCheck.MalformedHeader),
        new("no v1", Payload, Signed().Split(',')[0], [Secret], 0, StripeSignatureCheck.MalformedHeader),
        new("garbage", Payload, "not a signature", [Secret], 0, StripeSignatureCheck.MalformedHeader),
        new("v1 not hex", Payload, Signed().Split(',')[0] + ",v1=zz", [Secret], 0,
            StripeSignatureCheck.NoMatchingSignature),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Signature_check_names_what_it_found(Case c)
    {
        Assert.Equal(c.Expected,
            StripeWebhookSignature.Verify(c.Body, c.Header, c.Secrets, SignedAt.AddSeconds(c.SecondsLater)));
    }

    [Fact]
    public void A_signature_is_the_hex_hmac_of_timestamp_dot_payload()
    {
        // Known answer: HMAC-SHA256 keyed "whsec_test" over "1719835200.{}".
        Assert.Equal("t=1719835200,v1=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
                "whsec_test"u8, "1719835200.{}"u8)),
            StripeWebhookSignature.Sign("{}", "whsec_test", DateTimeOffset.FromUnixTimeSeconds(1_719_835_200)));
    }

    [Theory]
    [InlineData("99999999999999")]
    [InlineData("9223372036854775807")]
    public void A_correctly_signed_timestamp_beyond_any_date_is_malformed_not_a_crash(string t)
    {
        var v1 = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(Secret), System.Text.Encoding.UTF8.GetBytes(t + "." + Payload)));

        Assert.Equal(StripeSignatureCheck.MalformedHeader,
            StripeWebhookSignature.Verify(Payload, $"t={t},v1={v1}", [Secret], SignedAt));
    }
}
