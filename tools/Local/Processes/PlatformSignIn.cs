using System.Security.Claims;
using System.Security.Cryptography;
using ContestPipeline.PlayerApi.Links;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The platform's sign-in as the local stack plays it: a P-256 key that signs a signed-in player's token for the read
/// API (<see cref="PlayerTokens"/>), whose public half the API is given, and the platform backend's HTTP client that
/// forwards the token of the player each link request is for.
/// </summary>
public sealed class PlatformSignIn : IDisposable
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly ECDsa _key;
    private readonly TimeProvider _clock;

    private PlatformSignIn(ECDsa key, TimeProvider? clock)
    {
        _key = key;
        _clock = clock ?? TimeProvider.System;
    }

    public static PlatformSignIn Create(TimeProvider? clock = null) =>
        new(ECDsa.Create(ECCurve.NamedCurves.nistP256), clock);

    /// <summary>From the private key (PKCS#8 PEM) <see cref="PrivateKeyPem"/> wrote.</summary>
    public static PlatformSignIn FromPem(string privateKeyPem, TimeProvider? clock = null)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        return new PlatformSignIn(key, clock);
    }

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    public string PrivateKeyPem => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>
    /// A token for <paramref name="playerId"/> signed at <paramref name="now"/>, living 5 minutes by default.
    /// </summary>
    public string TokenFor(string playerId, DateTimeOffset now, TimeSpan? lifetime = null,
        string audience = PlayerTokens.Audience) =>
        Handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, playerId)]),
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + (lifetime ?? TimeSpan.FromMinutes(5))).UtcDateTime,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_key), SecurityAlgorithms.EcdsaSha256),
        });

    /// <summary>
    /// The platform backend's client of the read API at <paramref name="api"/>: its bearer token on every request,
    /// and on each <c>/recipients/{player}/…</c> request that player's token, as if they had just signed in.
    /// </summary>
    public HttpClient Platform(Uri api, string bearer, TimeSpan? timeout = null)
    {
        var http = new HttpClient(new SignedInPlayer(this) { InnerHandler = new HttpClientHandler() })
        {
            BaseAddress = api,
            Timeout = timeout ?? TimeSpan.FromSeconds(100),
        };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            bearer);
        return http;
    }

    public void Dispose() => _key.Dispose();

    private sealed class SignedInPlayer(PlatformSignIn signIn) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request,
            CancellationToken cancellationToken)
        {
            var segments = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments is ["recipients", var player, ..] && !request.Headers.Contains(PlayerTokens.Header))
                request.Headers.Add(PlayerTokens.Header,
                    signIn.TokenFor(Uri.UnescapeDataString(player), signIn._clock.GetUtcNow()));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
