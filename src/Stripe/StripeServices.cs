using ContestPipeline.Plumbing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Stripe;

/// <summary>
/// Where a process finds Stripe: the API base URL, the platform's secret key and the request
/// rate it allows itself. Only the processes that call Stripe (Ingestion, Payout) are given
/// the key. Test money never meets live money: production refuses test keys and a non-https
/// URL; every other environment refuses live keys.
/// </summary>
public static class StripeServices
{
    public const string UrlVariable = "CONTESTPIPELINE_STRIPE_URL";
    public const string KeyVariable = "CONTESTPIPELINE_STRIPE_KEY";

    /// <summary>
    /// Requests per second this process allows itself (its client's token bucket): its share of the
    /// account's limit, which every process calling Stripe shares (<see cref="StripeBudget"/>).
    /// </summary>
    public const string RateVariable = "CONTESTPIPELINE_STRIPE_RPS";

    /// <summary>The most requests this process sends at once after a quiet spell (its bucket's capacity).</summary>
    public const string BurstVariable = "CONTESTPIPELINE_STRIPE_BURST";

    /// <summary>
    /// The account's limit: Stripe allows about 25 requests/s in test mode and 100/s in live mode, for the whole
    /// account.
    /// </summary>
    public const string AccountRateVariable = "CONTESTPIPELINE_STRIPE_ACCOUNT_RPS";

    /// <summary>
    /// The rate every instance of this kind of process shares (<see cref="StripeSettings.PoolRequestsPerSecond"/>);
    /// Payout only. Unset, each instance keeps its fixed share.
    /// </summary>
    public const string PoolRateVariable = "CONTESTPIPELINE_STRIPE_POOL_RPS";

    public const int RequestsPerSecondMax = 1_000;

    /// <summary>The client's options from the settings; a missing or wrong one is a start-up error naming it.</summary>
    public static StripeSettings Read(IConfiguration configuration) =>
        Read(configuration, new StripeSettings { SecretKey = "-" }.RequestsPerSecond);

    /// <summary>
    /// The client's options, with <paramref name="defaultRequestsPerSecond"/> as this kind of
    /// process's share when <see cref="RateVariable"/> is not set.
    /// </summary>
    public static StripeSettings Read(IConfiguration configuration, int defaultRequestsPerSecond)
    {
        var key = Setting.Required(configuration, KeyVariable,
            $"the platform's Stripe secret key (and {UrlVariable} for a server other than api.stripe.com)");
        var url = Setting.Url(configuration, UrlVariable);
        var defaults = new StripeSettings { SecretKey = key };
        var rate = Setting.Int(configuration, RateVariable, defaultRequestsPerSecond, 1, RequestsPerSecondMax);
        return new StripeSettings
        {
            SecretKey = key,
            BaseAddress = url is null ? StripeSettings.ProductionBaseAddress
                : new Uri(url.ToString().TrimEnd('/') + "/"),
            RequestsPerSecond = rate,
            RequestBurst = Setting.Int(configuration, BurstVariable, Math.Min(defaults.RequestBurst, rate), 1,
                RequestsPerSecondMax),
            AccountRequestsPerSecond = Setting.Int(configuration, AccountRateVariable,
                defaults.AccountRequestsPerSecond, 1, RequestsPerSecondMax),
            PoolRequestsPerSecond = Setting.Text(configuration, PoolRateVariable) is null ? null
                : Setting.Int(configuration, PoolRateVariable, 0, 1, RequestsPerSecondMax),
        };
    }

    /// <summary>What is wrong with these options in <paramref name="environment"/>, each naming its setting.</summary>
    public static IEnumerable<string> Problems(StripeSettings options, DeploymentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        var live = options.SecretKey.StartsWith("sk_live_", StringComparison.Ordinal)
            || options.SecretKey.StartsWith("rk_live_", StringComparison.Ordinal);
        var test = options.SecretKey.StartsWith("sk_test_", StringComparison.Ordinal)
            || options.SecretKey.StartsWith("rk_test_", StringComparison.Ordinal);
        var name = DeploymentEnvironments.Name(environment);
        if (!live && !test)
            yield return $"{KeyVariable}: not a Stripe secret or restricted key (sk_live_, sk_test_, rk_live_ or " +
                "rk_test_)";
        if (environment.IsLive() && test)
            yield return $"{KeyVariable}: a test-mode key in {name}; production moves live money only";
        if (!environment.IsLive() && live)
            yield return $"{KeyVariable}: a live key in {name}; only production may move live money";
        if (options.RequestsPerSecond > options.AccountRequestsPerSecond)
            yield return $"{RateVariable}: {options.RequestsPerSecond}/s is above the account's limit of " +
                $"{options.AccountRequestsPerSecond}/s ({AccountRateVariable}), which every process calling Stripe " +
                "shares";
        if (options.PoolRequestsPerSecond > options.AccountRequestsPerSecond)
            yield return $"{PoolRateVariable}: {options.PoolRequestsPerSecond}/s is above the account's limit of " +
                $"{options.AccountRequestsPerSecond}/s ({AccountRateVariable})";
        if (options.RequestBurst > options.AccountRequestsPerSecond)
            yield return $"{BurstVariable}: {options.RequestBurst} is above the account's limit of " +
                $"{options.AccountRequestsPerSecond}/s ({AccountRateVariable})";
        if (environment.IsLive() && options.BaseAddress.Scheme != Uri.UriSchemeHttps)
            yield return $"{UrlVariable}: {options.BaseAddress} is not https; production talks to Stripe over TLS only";
    }

    /// <summary>
    /// Registers the client; its settings are read and checked when the host starts, before anything runs.
    /// </summary>
    /// <remarks>
    /// <paramref name="defaultRequestsPerSecond"/> is this kind of process's share of the account
    /// when none is set: the defaults of the processes that call Stripe (Payout 20, Ingestion 5,
    /// which asks only when an event is late) add up to Stripe's test-mode 25/s.
    /// </remarks>
    public static IServiceCollection AddStripeClient(this IServiceCollection services,
        int defaultRequestsPerSecond = 20, bool pooled = false)
    {
        services.AddSettings(c => Read(c, defaultRequestsPerSecond), (o, configuration) =>
            Problems(o, DeploymentEnvironments.Read(configuration)).Concat(
                pooled || o.PoolRequestsPerSecond is null ? []
                    : [$"{PoolRateVariable}: only Payout's instances pool their Stripe budget; " +
                        $"this process keeps its fixed share ({RateVariable})"]));
        services.AddSingleton(sp =>
            new StripeApi(sp.GetRequiredService<StripeSettings>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<StripeApi>>()));
        return services;
    }
}
