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

    /// <summary>Requests per second the client allows itself (its token bucket), under Stripe's 100/s live and 25/s test limits.</summary>
    public const string RateVariable = "CONTESTPIPELINE_STRIPE_RPS";

    public const int RequestsPerSecondMax = 1_000;

    /// <summary>The client's options from the settings; a missing or wrong one is a start-up error naming it.</summary>
    public static StripeClientOptions Read(IConfiguration configuration)
    {
        var key = Setting.Required(configuration, KeyVariable, $"the platform's Stripe secret key (and {UrlVariable} for a server other than api.stripe.com)");
        var url = Setting.Url(configuration, UrlVariable);
        var defaults = new StripeClientOptions { SecretKey = key };
        return new StripeClientOptions
        {
            SecretKey = key,
            BaseAddress = url is null ? StripeClientOptions.ProductionBaseAddress : new Uri(url.ToString().TrimEnd('/') + "/"),
            RequestsPerSecond = Setting.Int(configuration, RateVariable, defaults.RequestsPerSecond, 1, RequestsPerSecondMax),
        };
    }

    /// <summary>What is wrong with these options in <paramref name="environment"/>, each naming its setting.</summary>
    public static IEnumerable<string> Problems(StripeClientOptions options, DeploymentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        var live = options.SecretKey.StartsWith("sk_live_", StringComparison.Ordinal) || options.SecretKey.StartsWith("rk_live_", StringComparison.Ordinal);
        var test = options.SecretKey.StartsWith("sk_test_", StringComparison.Ordinal) || options.SecretKey.StartsWith("rk_test_", StringComparison.Ordinal);
        var name = DeploymentEnvironments.Name(environment);
        if (!live && !test)
            yield return $"{KeyVariable}: not a Stripe secret or restricted key (sk_live_, sk_test_, rk_live_ or rk_test_)";
        if (environment.IsLive() && test)
            yield return $"{KeyVariable}: a test-mode key in {name}; production moves live money only";
        if (!environment.IsLive() && live)
            yield return $"{KeyVariable}: a live key in {name}; only production may move live money";
        if (environment.IsLive() && options.BaseAddress.Scheme != Uri.UriSchemeHttps)
            yield return $"{UrlVariable}: {options.BaseAddress} is not https; production talks to Stripe over TLS only";
    }

    /// <summary>Registers the client; its settings are read and checked when the host starts, before anything runs.</summary>
    public static IServiceCollection AddStripeClient(this IServiceCollection services)
    {
        services.AddSettings(Read, (o, configuration) => Problems(o, DeploymentEnvironments.Read(configuration)));
        services.AddSingleton<IStripeClient>(sp =>
        {
            var options = sp.GetRequiredService<StripeClientOptions>();
            var http = new HttpClient { Timeout = options.AttemptTimeout * (options.AttemptsMax + 1) };
            return new StripeClient(http, options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StripeClient>>());
        });
        return services;
    }
}
