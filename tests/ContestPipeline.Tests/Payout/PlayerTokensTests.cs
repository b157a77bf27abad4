using System.Security.Cryptography;
using ContestPipeline.Local.Processes;
using ContestPipeline.PlayerApi.Links;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The read API's check of a signed-in player's token, as pure logic on a fixed clock: which sign-in keys it takes
/// at start, and which tokens it takes for which player (the refusals through the real API: WinnerViewTests).
/// </summary>
public sealed class PlayerTokensTests
{
    private const string Setting = PlayerApi.PlayerApiOptions.Settings.PlayerTokenKeys;
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_token_the_sign_in_signed_for_the_player_is_taken_under_either_key_while_one_is_rolled()
    {
        using var old = PlatformSignIn.Create();
        using var rolled = PlatformSignIn.Create();
        var tokens = PlayerTokens.FromPem(old.PublicKeyPem + "\n" + rolled.PublicKeyPem, Setting);
        Assert.Equal(2, tokens.KeyCount);
        Assert.Null(await tokens.RefusalAsync(old.TokenFor("ada", Now), "ada", Now.AddMinutes(4)));
        Assert.Null(await tokens.RefusalAsync(rolled.TokenFor("ada", Now, TimeSpan.FromMinutes(15)), "ada",
            Now.AddMinutes(14)));
        Assert.Contains("expired", await tokens.RefusalAsync(old.TokenFor("ada", Now), "ada", Now.AddMinutes(5)),
            StringComparison.Ordinal);
        Assert.Contains("another player", await tokens.RefusalAsync(old.TokenFor("ada", Now), "Ada", Now),
            StringComparison.Ordinal);
        Assert.Contains("at most 15 min", await tokens.RefusalAsync(old.TokenFor("ada", Now,
            TimeSpan.FromMinutes(16)), "ada", Now), StringComparison.Ordinal);
        Assert.Null(await tokens.RefusalAsync(old.TokenFor("ada", Now.AddSeconds(20)), "ada", Now));
        Assert.Contains("not valid yet", await tokens.RefusalAsync(old.TokenFor("ada", Now.AddSeconds(40)), "ada",
            Now), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_P256_public_keys_are_taken_and_a_private_key_given_by_mistake_is_refused_at_start()
    {
        using var signIn = PlatformSignIn.Create();
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);
        foreach (var (pem, why) in new[]
        {
            ("", "no PUBLIC KEY block"),
            (signIn.PrivateKeyPem, "holds a 'PRIVATE KEY' block"),
            (p384.ExportSubjectPublicKeyInfoPem(), "is EC P-384"),
            (rsa.ExportSubjectPublicKeyInfoPem(), "is not an EC key"),
        })
        {
            var refused = Assert.Throws<StartupException>(() => PlayerTokens.FromPem(pem, Setting));
            Assert.Contains(Setting, refused.Message, StringComparison.Ordinal);
            Assert.Contains(why, refused.Message, StringComparison.Ordinal);
        }
    }
}
