using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.StripeEmulation;

public sealed class StripeEmulatorOptions
{
    /// <summary>The only secret key the emulator accepts (Bearer auth, or Basic auth with it as the user).</summary>
    public string ApiKey { get; init; } = "sk_test_emulator";

    /// <summary>
    /// A restricted key with one permission, Balance: Read, as the platform makes for the processes
    /// that only read the balance: it may GET /v1/balance and nothing else (403 otherwise, as Stripe answers).
    /// It is the <see cref="StripeRestrictedKeys.BalanceRead"/> entry of the key table, whatever
    /// <see cref="RestrictedKeys"/> says of it.
    /// </summary>
    public string BalanceReadKey { get; init; } = StripeRestrictedKeys.BalanceReadKey;

    /// <summary>
    /// The account's restricted keys, each held to its permissions; by default one per service that calls Stripe
    /// (<see cref="StripeRestrictedKeys.Defaults"/>).
    /// </summary>
    public IReadOnlyList<RestrictedKey> RestrictedKeys { get; init; } = StripeRestrictedKeys.Defaults;

    /// <summary>Whether the platform has Connect: without it Stripe refuses to create connected accounts.</summary>
    public bool ConnectEnabled { get; init; } = true;

    /// <summary>Countries (two letters, upper case) where Stripe makes no account: country_unsupported.</summary>
    public IReadOnlySet<string> UnsupportedCountries { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Stripe's fee on each payment, taken before it reaches the balance and shown on its charge's balance transaction.
    /// None by default: most runs here check money flows whose contests take a rake below a card fee, and top-ups
    /// would hide what they check. A run that checks the fees sets <see cref="ProcessingFee.StripeStandard"/>.
    /// </summary>
    public ProcessingFee PaymentFee { get; init; } = new(0, 0);

    /// <summary>The webhook endpoint's signing secret.</summary>
    public string WebhookSecret { get; init; } = "whsec_emulator";

    /// <summary>
    /// Where events are POSTed; none are sent while unset (see <see cref="StripeEmulator.WebhookEndpoint"/>).
    /// </summary>
    public Uri? WebhookEndpoint { get; init; }

    /// <summary>Port 0 picks a free one; <see cref="StripeEmulator.BaseUrl"/> says which.</summary>
    public string ListenUrl { get; init; } = "http://127.0.0.1:0";

    /// <summary>
    /// Stripe's clock: object and event timestamps, webhook signature times and the age of
    /// idempotency keys. Network-like waits (injected latency, webhook retry backoff) and
    /// the request rate limit run on real time.
    /// </summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Seeds object ids for reproducible runs; unset, ids differ between runs like Stripe's.</summary>
    public int? Seed { get; init; }

    /// <summary>How long Stripe remembers an idempotency key.</summary>
    public TimeSpan IdempotencyKeyRetention { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Stripe's test-mode limit; beyond it requests get 429 rate_limit. Null: no limit.</summary>
    public int? RequestsPerSecondMax { get; init; } = 25;

    /// <summary>
    /// Webhook attempts per event including the first. Stripe retries for up to three days;
    /// the schedule here is compressed and bounded so a run can watch it happen.
    /// </summary>
    public int WebhookAttemptsMax { get; init; } = 8;

    public TimeSpan WebhookRetryDelayBase { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan WebhookRetryDelayMax { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan WebhookTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Webhook deliveries in flight at once; Stripe too delivers concurrently but not without bound.</summary>
    public int WebhookConcurrencyMax { get; init; } = 32;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// The restricted keys in force: <see cref="RestrictedKeys"/> with <see cref="BalanceReadKey"/> as the balance
    /// reader.
    /// </summary>
    internal IReadOnlyList<RestrictedKey> KeyTable() =>
    [
        .. RestrictedKeys.Where(k => k.Name != StripeRestrictedKeys.BalanceRead && k.Key != BalanceReadKey),
        new RestrictedKey(StripeRestrictedKeys.BalanceRead, BalanceReadKey, StripePermissions.BalanceRead),
    ];

    internal void Validate()
    {
        if (!ApiKey.StartsWith("sk_test_", StringComparison.Ordinal))
            throw new ArgumentException("the emulator is test mode only: its API key starts with sk_test_",
                nameof(ApiKey));
        ValidateRestrictedKeys();
        if (!WebhookSecret.StartsWith("whsec_", StringComparison.Ordinal))
            throw new ArgumentException("webhook secrets start with whsec_", nameof(WebhookSecret));
        if (WebhookConcurrencyMax < 1)
            throw new ArgumentOutOfRangeException(nameof(WebhookConcurrencyMax), WebhookConcurrencyMax, "at least 1");
        if (PaymentFee.RateBps is < 0 or > 10_000 || PaymentFee.FixedMinor < 0)
            throw new ArgumentOutOfRangeException(nameof(PaymentFee), PaymentFee, "a rate of 0 to 10,000 bps and a " +
                "fixed part of 0 or more");
        if (WebhookAttemptsMax < 1)
            throw new ArgumentOutOfRangeException(nameof(WebhookAttemptsMax), WebhookAttemptsMax, "at least 1");
    }

    private void ValidateRestrictedKeys()
    {
        var table = KeyTable();
        if (table.FirstOrDefault(k => !k.Key.StartsWith("rk_test_", StringComparison.Ordinal)) is { } live)
            throw new ArgumentException($"a test-mode restricted key starts with rk_test_ ({live.Name})",
                nameof(RestrictedKeys));
        if (table.Select(k => k.Key).Distinct().Count() != table.Count || table.Any(k => k.Key == ApiKey)
            || table.Select(k => k.Name).Distinct().Count() != table.Count)
            throw new ArgumentException("every restricted key has a name and a key of its own", nameof(RestrictedKeys));
        if (table.SelectMany(k => k.Permissions).FirstOrDefault(p => !StripePermissions.All.Contains(p)) is { } odd)
            throw new ArgumentException($"no such permission: {odd}", nameof(RestrictedKeys));
    }
}
