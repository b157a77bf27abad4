using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.PlayerApi.Links;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.PlayerApi;

/// <summary>
/// The read API's settings: where it listens, the platform's tokens it accepts, given as the
/// hex SHA-256 of each (several while one is rolled), so that what the API holds cannot be
/// presented as a token, and the public keys of the platform's sign-in that signs players' tokens
/// (<see cref="PlayerTokens"/>), without which no link is handed out.
/// </summary>
public sealed record PlayerApiOptions(string Url, IReadOnlyList<byte[]> TokenHashes, PlayerTokens PlayerTokens)
{
    public static class Settings
    {
        public const string Url = "CONTESTPIPELINE_PLAYER_API_URL";
        public const string TokenHashes = "CONTESTPIPELINE_PLAYER_API_TOKEN_SHA256";
        public const string TlsCertificate = "CONTESTPIPELINE_PLAYER_API_TLS_CERTIFICATE";
        public const string TlsKey = "CONTESTPIPELINE_PLAYER_API_TLS_KEY";
        public const string PlayerTokenKeys = "CONTESTPIPELINE_PLAYER_API_PLAYER_TOKEN_KEYS";
        public const string OnboardingLinkWaitMs = "CONTESTPIPELINE_PLAYER_API_ONBOARDING_LINK_WAIT_MS";
        public const string OnboardingLinkLimit = "CONTESTPIPELINE_PLAYER_API_ONBOARDING_LINK_LIMIT";
        public const string OnboardingLinkWindowSeconds = "CONTESTPIPELINE_PLAYER_API_ONBOARDING_LINK_WINDOW_SECONDS";
        public const string LoginLinkWaitMs = "CONTESTPIPELINE_PLAYER_API_LOGIN_LINK_WAIT_MS";
        public const string LoginLinkLimit = "CONTESTPIPELINE_PLAYER_API_LOGIN_LINK_LIMIT";
        public const string LoginLinkWindowSeconds = "CONTESTPIPELINE_PLAYER_API_LOGIN_LINK_WINDOW_SECONDS";
        public const string LimitsWaitMs = "CONTESTPIPELINE_PLAYER_API_LIMITS_WAIT_MS";
        public const string LimitsRequestLimit = "CONTESTPIPELINE_PLAYER_API_LIMITS_REQUEST_LIMIT";
        public const string LimitsRequestWindowSeconds = "CONTESTPIPELINE_PLAYER_API_LIMITS_REQUEST_WINDOW_SECONDS";
    }

    public const string UrlDefault = "http://127.0.0.1:5090";

    /// <summary>
    /// The PEM certificate and key an https <see cref="Url"/> serves (paths; compose mounts them as secrets).
    /// </summary>
    public string? TlsCertificatePath { get; init; }

    public string? TlsKeyPath { get; init; }

    /// <summary>
    /// The certificate an https API serves; null for plain HTTP, which production refuses: its answers are live
    /// onboarding links (whoever opens one first names the bank a prize is paid to) and its requests carry the
    /// platform's token.
    /// </summary>
    public X509Certificate2? TlsCertificate(DeploymentEnvironment environment) =>
        new ServerTls(Settings.Url, Settings.TlsCertificate, Settings.TlsKey)
            .Certificate(Url, TlsCertificatePath, TlsKeyPath, environment, "the player read API");

    /// <summary>How long a request for a fresh onboarding link waits for Payout's answer.</summary>
    public TimeSpan OnboardingLinkWait { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// At most this many onboarding-link requests per player per <see cref="OnboardingLinkWindow"/>, counted from
    /// payout.onboarding_link_requests (so across every instance of this API); the excess is answered 429 with
    /// Retry-After. The window is at most a day, less than the shortest retention Payout purges the table after.
    /// </summary>
    public const int OnboardingLinkLimitDefault = 5;
    public int OnboardingLinkLimit { get; init; } = OnboardingLinkLimitDefault;
    public TimeSpan OnboardingLinkWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a request for a login link to a winner's dashboard waits for Payout's answer.</summary>
    public TimeSpan LoginLinkWait { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// At most this many login-link requests per player per <see cref="LoginLinkWindow"/>, counted from
    /// payout.login_link_requests (across every instance of this API), as for onboarding links.
    /// </summary>
    public const int LoginLinkLimitDefault = 5;
    public int LoginLinkLimit { get; init; } = LoginLinkLimitDefault;
    public TimeSpan LoginLinkWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a request to change a player's limits waits for Ingestion to apply it before 504.</summary>
    public TimeSpan LimitsWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// At most this many requests to change a player's limits per <see cref="LimitsRequestWindow"/>, counted from
    /// ingestion.player_limit_requests (across every instance of this API); the excess is answered 429 with
    /// Retry-After, so a loop in the platform's backend cannot bury Ingestion's queue of changes.
    /// </summary>
    public const int LimitsRequestLimitDefault = 10;
    public int LimitsRequestLimit { get; init; } = LimitsRequestLimitDefault;
    public TimeSpan LimitsRequestWindow { get; init; } = TimeSpan.FromHours(1);

    public static PlayerApiOptions Read(IConfiguration? configuration)
    {
        var text = Setting.Required(configuration, Settings.TokenHashes,
            "the hex SHA-256 of every token the platform's backend may present, comma-separated " +
            "(usually a file named by " + Settings.TokenHashes + "_FILE)");
        var hashes = new List<byte[]>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Length != 64 || !part.All(char.IsAsciiHexDigit))
                throw new StartupException($"{Settings.TokenHashes}: '{part[..Math.Min(part.Length, 12)]}…' " +
                    "is not the 64 hex digits of a SHA-256");
            hashes.Add(Convert.FromHexString(part));
        }
        var keys = Setting.Required(configuration, Settings.PlayerTokenKeys,
            "the PEM public keys of the platform's sign-in, which signs the player token a link request must carry " +
            "(usually a file named by " + Settings.PlayerTokenKeys + "_FILE)");
        var o = new PlayerApiOptions(Setting.Text(configuration, Settings.Url) ?? UrlDefault, hashes,
            PlayerTokens.FromPem(keys, Settings.PlayerTokenKeys));
        return o with
        {
            TlsCertificatePath = Setting.Text(configuration, Settings.TlsCertificate),
            TlsKeyPath = Setting.Text(configuration, Settings.TlsKey),
            OnboardingLinkWait = Setting.Milliseconds(configuration, Settings.OnboardingLinkWaitMs,
                o.OnboardingLinkWait, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2)),
            OnboardingLinkLimit = Setting.Int(configuration, Settings.OnboardingLinkLimit,
                o.OnboardingLinkLimit, 1, 1_000),
            OnboardingLinkWindow = Setting.Seconds(configuration, Settings.OnboardingLinkWindowSeconds,
                o.OnboardingLinkWindow, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            LoginLinkWait = Setting.Milliseconds(configuration, Settings.LoginLinkWaitMs,
                o.LoginLinkWait, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2)),
            LoginLinkLimit = Setting.Int(configuration, Settings.LoginLinkLimit, o.LoginLinkLimit, 1, 1_000),
            LoginLinkWindow = Setting.Seconds(configuration, Settings.LoginLinkWindowSeconds,
                o.LoginLinkWindow, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            LimitsWait = Setting.Milliseconds(configuration, Settings.LimitsWaitMs, o.LimitsWait,
                TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2)),
            LimitsRequestLimit = Setting.Int(configuration, Settings.LimitsRequestLimit, o.LimitsRequestLimit, 1,
                1_000),
            LimitsRequestWindow = Setting.Seconds(configuration, Settings.LimitsRequestWindowSeconds,
                o.LimitsRequestWindow, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
        };
    }

    /// <summary>The hex SHA-256 of a token, as the setting lists it.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whether an Authorization header carries an accepted bearer token (compared in constant time).</summary>
    public bool Accepts(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.Ordinal)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        var accepted = false;
        foreach (var hash in TokenHashes) accepted |= CryptographicOperations.FixedTimeEquals(presented, hash);
        return accepted;
    }
}
