using ContestPipeline.Deployment;
using ContestPipeline.Local.Demo;

namespace ContestPipeline.Tests.Cpdev;

/// <summary><c>cpdev code</c>: the code for a URI that <c>./run up</c> prints, as the console checks it.</summary>
public sealed class AuthenticatorCodeTests
{
    // RFC 6238's SHA-1 secret, "12345678901234567890", in base32.
    private const string Uri =
        "otpauth://totp/ContestPipeline:root?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ContestPipeline";

    [Theory]
    [InlineData(59, "287082")]
    [InlineData(1111111109, "081804")]
    [InlineData(2000000000, "279037")]
    public void The_code_is_the_RFC_6238_code_of_the_URIs_secret(long unixSeconds, string expected)
    {
        Assert.True(AuthenticatorCode.Now(Uri, DateTimeOffset.FromUnixTimeSeconds(unixSeconds), out var code));
        Assert.Equal(expected, code);
    }

    [Fact]
    public void The_console_accepts_the_code_it_gives()
    {
        var secret = OperatorTotp.NewSecret();
        var now = new DateTimeOffset(2026, 11, 23, 20, 0, 0, TimeSpan.Zero);
        Assert.True(AuthenticatorCode.Now(OperatorTotp.Uri("root", secret), now, out var code));
        Assert.Equal(OperatorTotp.Step(now), OperatorTotp.Match(secret, code, now));
    }

    [Theory]
    [InlineData("https://example.com/?secret=GEZDGNBV", "not an otpauth:// URI")]
    [InlineData("otpauth://totp/x?issuer=ContestPipeline", "no secret= parameter")]
    [InlineData("otpauth://totp/x?secret=not-base32!", "not base32")]
    public void A_uri_without_a_usable_secret_is_refused_saying_why(string uri, string reason)
    {
        Assert.False(AuthenticatorCode.Now(uri, DateTimeOffset.UnixEpoch, out var message));
        Assert.Contains(reason, message);
    }
}
