using System.Text;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// The API keys the emulated account accepts: its secret key, which may do anything, and its restricted keys,
/// each held to its permissions. Stripe checks the key before anything else: no valid key is a 401, a restricted
/// key outside its permissions a 403 naming the permission that would allow the call.
/// </summary>
internal sealed class ApiKeys
{
    private readonly string _secretKey;
    private readonly Dictionary<string, RestrictedKey> _restricted;

    public ApiKeys(StripeEmulatorOptions options)
    {
        _secretKey = options.ApiKey;
        _restricted = options.KeyTable().ToDictionary(k => k.Key, StringComparer.Ordinal);
    }

    public bool Knows(string key) => key == _secretKey || _restricted.ContainsKey(key);

    /// <summary>The restricted key <paramref name="key"/> is, or null for the secret key.</summary>
    public RestrictedKey? Restricted(string key) => _restricted.GetValueOrDefault(key);

    /// <summary>
    /// The key an Authorization header presents, as Stripe reads it: Bearer auth, or Basic auth with the key as the
    /// user name and no password (curl -u sk_test_...:).
    /// </summary>
    public static string? Presented(string header)
    {
        const string bearer = "Bearer ", basic = "Basic ";
        if (header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return header[bearer.Length..].Trim();
        if (!header.StartsWith(basic, StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header[basic.Length..].Trim()));
            var colon = credentials.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? credentials : credentials[..colon];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Stripe's 401: no key, or one it does not know (never echoed in full).</summary>
    public static ApiError Unauthorized(string header, string? presented)
    {
        var message = header.Length == 0
            ? "You did not provide an API key. You need to provide your API key in the Authorization header, " +
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
            : $"Invalid API Key provided: {Redact(presented ?? header.Split(' ')[^1])}";
        return new ApiError(401, StripeErrorTypes.InvalidRequestError, message);
    }

    /// <summary>Stripe's 403 for a restricted key without the permission a call needs; nothing is saved.</summary>
    public static ApiError PermissionMissing(string key, string permission) =>
        new(403, StripeErrorTypes.InvalidRequestError,
            $"The provided key '{Redact(key)}' does not have the required permissions for this endpoint on account " +
            $"'{StripeEmulator.PlatformAccountId}'. Having the '{permission}' permission would allow this request " +
            "to continue.", beforeExecution: true);

    /// <summary>Stripe's 403 for a Stripe-Account header naming an account the key cannot reach.</summary>
    public static ApiError AccountInvalid(string key, string account) =>
        new(403, StripeErrorTypes.InvalidRequestError,
            $"The provided key '{Redact(key)}' does not have access to account '{account}' (or that account does " +
            "not exist). Application access may have been revoked.", "account_invalid", beforeExecution: true);

    /// <summary>A key as Stripe shows it in errors: its start and its last four characters.</summary>
    public static string Redact(string key) =>
        key.Length <= 12 ? "****" : key[..8] + new string('*', key.Length - 12) + key[^4..];
}
