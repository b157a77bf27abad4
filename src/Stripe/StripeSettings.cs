namespace ContestPipeline.Stripe;

/// <summary>
/// How <see cref="StripeApi"/> talks to Stripe. Defaults are the production values;
/// tests point <see cref="BaseAddress"/> at the emulator and shorten the waits.
/// </summary>
public sealed class StripeSettings
{
    /// <summary>
    /// The API version every request pins: Stripe.net's own (it sends it on every request and its
    /// types follow it), so a change of the account's default version in Stripe's dashboard can
    /// never change the shape of what we parse. Stripe sends webhook events in the version the
    /// endpoint was created with: it should be this one, though older ones still read.
    /// </summary>
    public static string ApiVersion => global::Stripe.StripeConfiguration.ApiVersion;

    public static readonly Uri ProductionBaseAddress = new("https://api.stripe.com/");

    public Uri BaseAddress { get; init; } = ProductionBaseAddress;

    /// <summary>The platform's secret key (sk_live_... or sk_test_...), sent as Bearer auth.</summary>
    public required string SecretKey { get; init; }

    /// <summary>
    /// Attempts per request including the first; only transient failures are retried, by this
    /// pipeline's one retry policy (Stripe.net's own retries are off).
    /// </summary>
    public int AttemptsMax { get; init; } = 4;

    public TimeSpan RetryDelayBase { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan RetryDelayMax { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// One attempt's bound. A POST that times out may still have been applied by Stripe; the
    /// retry carries the same idempotency key, so it returns the first result instead of
    /// applying twice.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Steady request rate. Stripe allows about 25 requests/s in test mode and 100/s in live
    /// mode; with the burst below, no one-second window carries more than
    /// RequestsPerSecond + RequestBurst requests (25 with the defaults).
    /// </summary>
    public int RequestsPerSecond { get; init; } = 20;

    public int RequestBurst { get; init; } = 5;

    /// <summary>
    /// The account's limit, which every process calling Stripe shares (<see cref="StripeBudget"/>):
    /// 25/s in test mode, 100/s in live mode. This process's <see cref="RequestsPerSecond"/> is its
    /// share of it.
    /// </summary>
    public int AccountRequestsPerSecond { get; init; } = 25;

    /// <summary>
    /// Set on each instance of a process that runs as several (Payout): the rate its instances share, divided
    /// while it runs between those that have calls to make (<see cref="StripeBudget.PooledRate"/>), instead of
    /// each holding a fixed <see cref="RequestsPerSecond"/>. The bucket starts earning nothing; the pool sets it.
    /// </summary>
    public int? PoolRequestsPerSecond { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(SecretKey))
            throw new ArgumentException("a Stripe secret key is required", nameof(SecretKey));
        if (!BaseAddress.IsAbsoluteUri || !BaseAddress.AbsolutePath.EndsWith('/'))
            throw new ArgumentException($"base address must be absolute and end with '/': {BaseAddress}",
                nameof(BaseAddress));
        if (AttemptsMax < 1)
            throw new ArgumentOutOfRangeException(nameof(AttemptsMax), AttemptsMax, "at least one attempt");
        if (RequestsPerSecond < 1)
            throw new ArgumentOutOfRangeException(nameof(RequestsPerSecond), RequestsPerSecond, "at least 1/s");
        if (RequestBurst < 1) throw new ArgumentOutOfRangeException(nameof(RequestBurst), RequestBurst, "at least 1");
    }
}
