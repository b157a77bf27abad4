using System.Security.Cryptography;
using ContestPipeline.Plumbing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContestPipeline.PlayerApi.Links;

/// <summary>
/// Which player a request for a Stripe link is made for, proven by the player, not by the platform's token alone:
/// a short-lived JWT the platform's sign-in signed when the player signed in (ES256; <c>sub</c> the player's id,
/// <c>aud</c> <see cref="Audience"/>, <c>iat</c> and <c>exp</c> at most <see cref="LifetimeMax"/> apart), forwarded
/// by the platform's backend in <see cref="Header"/>. This API holds only the sign-in's public keys (several while one
/// is rolled). A link names the bank a prize is paid to for whoever opens it first, so whoever holds the platform's
/// bearer token but no signed-in player gets no link for that player.
/// </summary>
public sealed class PlayerTokens
{
    public const string Header = "X-Player-Token";
    public const string Audience = "contestpipeline-player-api";
    public static readonly TimeSpan LifetimeMax = TimeSpan.FromMinutes(15);

    /// <summary>How far ahead of this API's clock the sign-in's may run (a token's <c>iat</c> or <c>nbf</c>).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler Handler = new();
    private readonly TokenValidationParameters _parameters;

    public int KeyCount { get; }

    private PlayerTokens(IReadOnlyList<SecurityKey> keys)
    {
        KeyCount = keys.Count;
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            ValidAudience = Audience,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidateIssuer = false,
            // Times are checked against the injected clock below, not the library's.
            ValidateLifetime = false,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
        };
    }

    /// <summary>
    /// The sign-in's public keys from PEM text (one or more <c>PUBLIC KEY</c> blocks, each P-256); a
    /// <see cref="StartupException"/> naming <paramref name="setting"/> when there is none or one is not.
    /// </summary>
    public static PlayerTokens FromPem(string pem, string setting)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var keys = new List<SecurityKey>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
            rest = rest[fields.Location.End..];
            if (label != "PUBLIC KEY")
                throw new StartupException($"{setting}: holds a '{label}' block; only the sign-in's PUBLIC KEY " +
                    "blocks belong here (its private key stays with the platform)");
            var key = ECDsa.Create();
            try
            {
                key.ImportSubjectPublicKeyInfo(der, out _);
            }
            catch (CryptographicException e)
            {
                key.Dispose();
                throw new StartupException($"{setting}: public key {keys.Count + 1} is not an EC key: {e.Message}");
            }
            if (key.KeySize != 256)
                throw new StartupException($"{setting}: public key {keys.Count + 1} is EC P-{key.KeySize}; ES256 " +
                    "needs P-256");
            keys.Add(new ECDsaSecurityKey(key));
        }
        if (keys.Count == 0)
            throw new StartupException($"{setting}: no PUBLIC KEY block: give the platform sign-in's public key " +
                "(PEM) that signs players' tokens");
        return new PlayerTokens(keys);
    }

    /// <summary>
    /// Why <paramref name="token"/> does not prove <paramref name="playerId"/> signed in; null when it does.
    /// </summary>
    public async Task<string?> RefusalAsync(string? token, string playerId, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(token))
            return $"a signed-in player's token ({Header}) is required for a link";
        var result = await Handler.ValidateTokenAsync(token.Trim(), _parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
            return "the player token is not one the platform's sign-in signed for this API (" +
                (result.Exception?.GetType().Name ?? "unreadable") + ")";
        if (jwt.Subject != playerId)
            return $"the player token is for another player, not '{playerId}'";
        if (!jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out _))
            return "the player token has no iat (when it was signed)";
        var issued = new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero);
        var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        if (expires <= now) return $"the player token expired at {expires:O}";
        if (issued > now + ClockSkew || (jwt.ValidFrom != DateTime.MinValue &&
            new DateTimeOffset(jwt.ValidFrom, TimeSpan.Zero) > now + ClockSkew))
            return $"the player token is not valid yet (signed {issued:O})";
        if (expires - issued > LifetimeMax)
            return $"the player token lives {(long)(expires - issued).TotalMinutes} min; at most " +
                $"{(long)LifetimeMax.TotalMinutes} min is accepted";
        return null;
    }
}
